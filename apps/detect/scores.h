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
//   knn-input     the same in input space: no model involved, the classic baseline that a learned
//                 score must beat, and a strong partner in a combination such as mse,knn-input.
//                 Distances are measured in an InputView of the scaled inputs (input_view.h:
//                 a power, then a Gaussian blur for images; the identity by default)
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/detect/input_view.h"
#include "models/autoencoder.h"

namespace hg::detect {

enum class ScoreKind { MSE, BCE, Max, FeatureCount, Mahalanobis, Elbo, Knn, KnnInput };

// UsageError naming `flag` for an unknown name (listing the known ones).
ScoreKind parse_score_kind(const std::string& name, const std::string& flag);
std::string score_name(ScoreKind k);

// What a score needs from the normal data (fitted once, stored in detector.json).
struct ScoreState {
  ScoreKind kind = ScoreKind::MSE;
  std::vector<double> latent_mean;       // mahalanobis: [k]
  std::vector<double> latent_precision;  // mahalanobis: [k, k], the inverse covariance (ridge-regularised)
  std::vector<double> feature_thresholds;  // feature-count: [D]
  double feature_percentile = 99.0;        // feature-count: the per-feature percentile
  std::vector<float> normal_codes;         // knn: [m, k]; knn-input: [m, D] (saved beside the JSON)
  int knn_k = 5;                           // knn, knn-input: neighbours averaged
  InputView view;                          // knn-input: the space distances are measured in
  nlohmann::json to_json() const;
  static ScoreState from_json(const nlohmann::json& j, const std::string& origin);
};

// The model, its training loss ("mse" | "bce") and where it runs: what every score call needs.
struct Scorer {
  models::Autoencoder* model = nullptr;
  std::string loss;
  Device device = Device::cpu();
  int64_t chunk = 2048;
};

// Fits what `kind` needs on normal rows x [n, D] (host, already scaled). Error (naming the
// kind) when the model cannot give this score (elbo without a VAE, bce on data outside [0, 1]).
// `proto` gives the kind and its settings (knn_k, view); the fitted parts are filled in.
ScoreState fit_score(const Scorer& s, const ScoreState& proto, const std::vector<float>& x, int64_t n, int64_t D);
ScoreState fit_score(const Scorer& s, ScoreKind kind, const std::vector<float>& x, int64_t n, int64_t D);

// One score per row of x [n, D] (host, scaled as the model expects).
std::vector<double> score_rows(const Scorer& s, const ScoreState& st, const std::vector<float>& x,
                               int64_t n, int64_t D);

// Rows [start, start + rows) of host rows x [n, D] as a tensor on dev (one copy, then the upload
// when dev is a GPU): how every score streams its data.
Tensor chunk_tensor(const std::vector<float>& x, int64_t start, int64_t rows, int64_t D, Device dev);

// Squared reconstruction error per feature (in the data's units) for rows x [n, D]: [n, D].
std::vector<float> feature_errors(const Scorer& s, const std::vector<float>& x, int64_t n, int64_t D);

}  // namespace hg::detect
