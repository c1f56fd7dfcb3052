// Anomaly scores of a trained autoencoder: higher = more anomalous. Every score streams the
// data through the model in chunks of rows (uploaded to the model's device one chunk at a
// time), so only the model and one chunk live on the GPU.
//
//   mse           mean squared reconstruction error per sample (the fused recon_error kernel);
//                 for a model trained with BCE on logits, on the probabilities
//   bce           mean binary cross-entropy per sample (data in [0, 1])
//   max           the largest per-feature squared error (a single broken pixel or column)
//   feature-count how many features exceed their own threshold, fitted per feature on normal
//                 data (exercise 1c of the seeds: per-feature thresholds)
//   mahalanobis   squared Mahalanobis distance of the code z to the normal codes' mean and
//                 covariance (a Gaussian fitted in latent space; no decoder involved)
//   elbo          a VAE's negative ELBO per sample (nats), averaged over 8 posterior samples
//   knn           mean Euclidean distance of the code z to its 5 nearest normal codes (the
//                 normal codes, at most 20,000 of them, are kept with the detector)
//   knn           (codes standardised per unit with the normal codes' mean and std, so that no
//                 unit dominates by its scale)
//   knn-input     the same in input space: no model involved, the classic baseline that a learned
//                 score must beat, and a strong partner in a combination such as mse,knn-input.
//                 Distances are measured in an InputView of the scaled inputs (input_view.h:
//                 a power, then a Gaussian blur for images; the identity by default)
//   mse-view      the reconstruction error measured in the InputView: input and reconstruction
//                 both raised to the power and blurred, then the mean squared difference (a
//                 stroke drawn one pixel off costs little; a missing stroke still costs)
//   iforest, lof, ecod, pca
//                 the classical model-free detectors (model_free.h) on the scaled inputs in the
//                 InputView: Isolation Forest, Local Outlier Factor (20 neighbours), ECOD, and the
//                 squared error of a PCA reconstruction (components for 90% of the variance)
//   classifier    for normal data of several labelled classes: 1 - the largest softmax
//                 probability of classifiers of the normal classes, each fine-tuned from the
//                 run's encoder (apps/transfer: LP-FT with early stopping), probabilities averaged
//                 over an ensemble of kClassifiers seeds. A sample of no known class gets a flat
//                 prediction.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/detect/aegmm.h"
#include "apps/detect/input_view.h"
#include "apps/detect/model_free.h"
#include "apps/run/run_folder.h"
#include "models/autoencoder.h"

namespace hg::transfer {
class Classifier;
}

namespace hg::detect {

inline constexpr int kClassifiers = 5;

enum class ScoreKind {
  MSE,
  BCE,
  Max,
  FeatureCount,
  Mahalanobis,
  Elbo,
  Knn,
  KnnInput,
  MseView,
  IForest,
  Lof,
  Ecod,
  Pca,
  Classifier,
  Aegmm,
  Vaegmm
};

// UsageError naming `flag` for an unknown name (listing the known ones).
ScoreKind parse_score_kind(const std::string& name, const std::string& flag);
std::string score_name(ScoreKind k);
bool is_model_free(ScoreKind k);  // knn-input, iforest, lof, ecod, pca: no model involved
bool uses_view(ScoreKind k);      // the scores measured in an InputView

// What a score needs from the normal data (fitted once, stored in detector.json).
struct ScoreState {
  ScoreKind kind = ScoreKind::MSE;
  std::vector<double> latent_mean;  // mahalanobis: [k]
  std::vector<double>
      latent_precision;  // mahalanobis: [k, k], the inverse covariance (ridge-regularised)
  std::vector<double> feature_thresholds;  // feature-count: [D]
  double feature_percentile = 99.0;        // feature-count: the per-feature percentile
  std::vector<float> normal_codes;         // knn: [m, k]; knn-input: [m, D] (saved beside the JSON)
  std::vector<double> code_mean, code_scale;  // knn: the standardisation of the codes ([k] each)
  int knn_k = 5;                              // knn, knn-input: neighbours averaged
  InputView view;             // the scores of uses_view(): the space they measure in
  uint64_t seed = 0;          // iforest, ecod, lof: their random draws
  ModelFreeState model_free;  // iforest, lof, ecod, pca
  // classifier: kClassifiers networks (a deep ensemble: each its own seed, head and fine-tune),
  // trained by fit_score, saved by the detector; their probabilities are averaged.
  std::vector<std::shared_ptr<transfer::Classifier>> classifiers;
  std::vector<int32_t> classes;  // classifier: the label of each output
  int ensemble = 0;              // classifier: how many networks were saved
  AegmmState aegmm;              // aegmm, vaegmm: the features' mixture (apps/detect/aegmm.h)
  nlohmann::json to_json() const;
  static ScoreState from_json(const nlohmann::json& j, const std::string& origin);
  // The float arrays kept beside the JSON (detector_codes.safetensors), by name.
  std::vector<std::pair<std::string, std::vector<float>*>> float_arrays();
};

// The model, its training loss ("mse" | "bce") and where it runs: what every score call needs.
struct Scorer {
  models::Autoencoder* model = nullptr;
  std::string loss;
  Device device = Device::cpu();
  int64_t chunk = 2048;
  const run::LoadedRun* run = nullptr;  // classifier: the run whose encoder it fine-tunes
};

// Fits what `kind` needs on normal rows x [n, D] (host, already scaled). Error (naming the
// kind) when the model cannot give this score (elbo without a VAE, bce on data outside [0, 1]).
// `proto` gives the kind and its settings (knn_k, view); the fitted parts are filled in.
// `labels` (the rows' classes, or empty) are needed by the classifier score only.
ScoreState fit_score(const Scorer& s, const ScoreState& proto, const std::vector<float>& x,
                     int64_t n, int64_t D, const std::vector<int32_t>& labels = {});
ScoreState fit_score(const Scorer& s, ScoreKind kind, const std::vector<float>& x, int64_t n,
                     int64_t D);

// One score per row of x [n, D] (host, scaled as the model expects).
std::vector<double> score_rows(const Scorer& s, const ScoreState& st, const std::vector<float>& x,
                               int64_t n, int64_t D);

// The per-row MSE reconstruction error of model on host rows x [n, D] (already in the model's
// units): score_rows with the MSE kind and no fitted state.
std::vector<double> mse_scores(models::Autoencoder& model, const std::string& loss,
                               const std::vector<float>& x, int64_t n, int64_t D, Device device);

// Rows [start, start + rows) of host rows x [n, D] as a tensor on dev (one copy, then the upload
// when dev is a GPU): how every score streams its data.
Tensor chunk_tensor(const std::vector<float>& x, int64_t start, int64_t rows, int64_t D,
                    Device dev);
// The same from rows at a host pointer (a caller's buffer, read in place).
Tensor chunk_tensor(const float* x, int64_t start, int64_t rows, int64_t D, Device dev);

// The mse score of one chunk xb (rows scaled as the model expects, on s.device): per row, the
// mean squared error against the model's reconstruction in data units; [rows] on the host.
std::vector<float> mse_rows(const Scorer& s, const Tensor& xb);

// Squared reconstruction error per feature (in the data's units) for rows x [n, D]: [n, D].
std::vector<float> feature_errors(const Scorer& s, const std::vector<float>& x, int64_t n,
                                  int64_t D);

}  // namespace hg::detect
