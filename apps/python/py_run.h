// The trained model behind hourglass.Autoencoder: a run folder (apps/run/run_folder.h) loaded on
// a device, the same folder the CLI writes and reads, so a model trained in one is used in the
// other. Inputs are raw rows in the data's units (the run's scaler is applied inside), exactly
// like the CLI's --data.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/detect/scores.h"
#include "apps/run/run_folder.h"
#include "engine/data/dataset.h"

namespace hg::py {

class RunModel {
 public:
  RunModel(const std::string& dir, const std::string& device, int threads);

  // Rows x [n, D] (raw) -> latent codes [n, k] (a VAE's: the posterior mean).
  std::vector<float> encode(const data::Dataset& x) const;
  // Codes z [n, k] -> reconstructions [n, D] in the data's units.
  std::vector<float> decode(const std::vector<float>& z, int64_t n) const;
  // decode(encode(x)), in the data's units.
  std::vector<float> reconstruct(const data::Dataset& x) const;
  // Per-row mean squared reconstruction error in the model's (scaled) units: `detect`'s mse
  // score (detect::mse_rows, the same chunks).
  std::vector<double> score(const data::Dataset& x) const;
  // The same score of n rows read in place at x (a caller's buffer, e.g. a numpy array), for runs
  // without a scaler (needs_scaling() false): no copy of the input beyond each chunk's.
  std::vector<double> score_in_place(const float* x, int64_t n) const;
  bool needs_scaling() const { return run_.scaler.kind != data::ScalerKind::None; }

  const run::LoadedRun& run() const { return run_; }
  Device device() const { return device_; }
  int64_t input_dim() const { return run_.model->input_dim(); }
  int64_t latent_dim() const { return run_.model->latent_dim(); }

 private:
  std::vector<float> scaled(const data::Dataset& x) const;
  detect::Scorer scorer() const;  // detect's view of this model (mse, chunks)
  run::LoadedRun run_;
  Device device_;
};

}  // namespace hg::py
