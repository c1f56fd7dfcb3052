// Silhouette coefficients (Rousseeuw 1987) of a labelling of float32 data, Euclidean distance,
// exact, as scikit-learn's silhouette_samples / silhouette_score:
//   a(i) = mean distance from i to the other points of its cluster,
//   b(i) = min over the other clusters of the mean distance from i to that cluster's points,
//   s(i) = (b(i) - a(i)) / max(a(i), b(i)); s(i) = 0 when i is alone in its cluster (and when
//   a(i) = b(i) = 0).
// O(n^2 d) work through the packed SGEMM, O(n * block) extra memory: blocks of rows are compared
// against all rows at once, and per-cluster distance sums are accumulated in double.
// Labels may be any int32 values; they need not be contiguous. Results do not depend on the
// thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

// The mean of s(i) over all n samples; per_sample (when given) gets the n values s(i).
// Throws hg::Error (one line) when labels.size() != n, when there are fewer than 2 or more than
// n - 1 distinct labels, for d < 1, or for a NaN / infinity in X (naming the first such row).
double silhouette_score(const float* X, int64_t n, int64_t d, const std::vector<int32_t>& labels,
                        std::vector<double>* per_sample = nullptr);

// The mean of the exact s(i) over `sample` distinct points drawn uniformly at random (from
// `seed`, through hg::Rng); each drawn point is compared against ALL n points. sample >= n
// means every point, which gives exactly silhouette_score. Throws as silhouette_score, and for
// sample < 1.
double silhouette_sampled(const float* X, int64_t n, int64_t d, const std::vector<int32_t>& labels,
                          int64_t sample, uint64_t seed);

}  // namespace hg::analysis
