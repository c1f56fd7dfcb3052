// The seed projects' synthetic anomaly-detection table, regenerated with hg::Rng.
#pragma once
#include <cstdint>

#include "engine/data/dataset.h"

namespace hg::data {

// 1050 rows x 10 features (f1..f10), name "synthetic". Rows 0..999 are normal, ~N(mu, 0.5^2)
// with mu = (1,2,...,10), label 0; rows 1000..1049 are anomalies, ~N(nu, 3^2) with
// nu = (10,9,...,1), label 1. Drawn row by row, feature by feature, from Rng(seed).normal().
Dataset make_synthetic(uint64_t seed = 42);

}  // namespace hg::data
