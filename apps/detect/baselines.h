// Other detectors on the same normal rows and the same labelled test rows, so that a report puts
// the autoencoder's figure beside what a PyOD or scikit-learn user would have picked (and says
// plainly when one of them wins).
#pragma once
#include <string>
#include <vector>

#include "apps/detect/detector.h"

namespace hg::detect {

struct BaselineSpec {
  std::string label;  // as shown: "knn-input (sqrt, blur 1)", "lof", ...
  std::string score;  // a --score list
  ScoreOptions opts;
};

// The comparison set for a run: the model's own scores (mse, mse-view for images, latent knn) and
// the model-free ones (knn-input raw and, for images, in the square-root blurred view; iforest,
// lof, ecod, pca).
std::vector<BaselineSpec> default_baselines(bool images);
// "none" -> {}, "default" -> default_baselines, else a comma list of score names (default options).
std::vector<BaselineSpec> parse_baselines(const std::string& text, bool images,
                                          const std::string& flag);

struct BaselineResult {
  std::string label, score;
  double auroc = -1, auprc = -1, seconds = 0;
  std::string error;  // why it could not run (e.g. no VAE for elbo); empty when it ran
};

// Fits each baseline on `normal` (raw rows) with the run in `run_dir` and scores `test` (raw rows
// with 0/1 `labels`, 1 = anomalous).
std::vector<BaselineResult> run_baselines(const std::string& run_dir,
                                          const std::vector<BaselineSpec>& specs,
                                          const data::Dataset& normal, const data::Dataset& test,
                                          const std::vector<int>& labels, Device device);

}  // namespace hg::detect
