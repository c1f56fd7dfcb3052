#include "engine/data/synthetic.h"

#include "engine/util/rng.h"

namespace hg::data {

Dataset make_synthetic(uint64_t seed) {
  constexpr int64_t kNormal = 1000, kAnomalies = 50, kFeatures = 10;
  Dataset d;
  d.name = "synthetic";
  d.n = kNormal + kAnomalies;
  d.sample_shape = {kFeatures};
  for (int64_t j = 0; j < kFeatures; ++j) d.feature_names.push_back("f" + std::to_string(j + 1));
  d.x.reserve(static_cast<size_t>(d.n * kFeatures));
  d.y.reserve(static_cast<size_t>(d.n));
  Rng rng(seed);
  for (int64_t i = 0; i < d.n; ++i) {
    const bool anomaly = i >= kNormal;
    for (int64_t j = 0; j < kFeatures; ++j) {
      const double mean = anomaly ? static_cast<double>(kFeatures - j) : static_cast<double>(j + 1);
      d.x.push_back(static_cast<float>(rng.normal(mean, anomaly ? 3.0 : 0.5)));
    }
    d.y.push_back(anomaly ? 1 : 0);
  }
  return d;
}

}  // namespace hg::data
