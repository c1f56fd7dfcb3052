// What the server scores with: a run folder's detector when <run>/detector.json exists (its score
// and threshold), else the run's plain reconstruction error (the mse score, no threshold). Both
// go through detect::LoadedDetector, so a row scores exactly as `hourglass detect score` scores it
// and reconstructs as the detector's first member reconstructs it (raw units).
//
// Not thread-safe, like the model under it: the server's batcher thread is its only caller
// (apps/serve/batcher.h). The metadata is fixed at load time and may be read from any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/detect/detector.h"
#include "engine/tensor/device.h"

namespace hg::serve {

// The model calls the batcher makes, on rows already checked (n rows of features() values).
class BatchModel {
 public:
  virtual ~BatchModel() = default;
  virtual int64_t features() const = 0;
  virtual std::vector<double> score(const std::vector<float>& x, int64_t n) = 0;
  virtual std::vector<float> reconstruct(const std::vector<float>& x, int64_t n) = 0;
};

class ServeModel : public BatchModel {
 public:
  // Errors name the run folder or the file that is missing or bad.
  static std::unique_ptr<ServeModel> load(const std::string& run_dir, Device device);

  int64_t features() const override { return features_; }
  std::vector<double> score(const std::vector<float>& x, int64_t n) override;
  std::vector<float> reconstruct(const std::vector<float>& x, int64_t n) override;

  bool has_detector() const { return has_detector_; }
  std::optional<double> threshold() const;
  // "mse" without a detector; else the detector's own description ("auto: knn-input (...)").
  const std::string& score_text() const { return score_text_; }
  // Run folder, model (name, type, config), input shape and D, latent size, score, threshold.
  nlohmann::json metadata() const;

 private:
  ServeModel(std::string run_dir, detect::LoadedDetector ld, bool has_detector);
  data::Dataset as_dataset(const std::vector<float>& x, int64_t n) const;

  std::string dir_;
  detect::LoadedDetector ld_;
  bool has_detector_;
  int64_t features_;
  std::vector<int64_t> shape_;  // one sample's shape as trained ({1, 28, 28}, or {D})
  std::string score_text_;
};

}  // namespace hg::serve
