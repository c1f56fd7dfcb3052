// PCA reconstruction error as an anomaly score, on float32 data:
//
//   PcaOutlier p = PcaOutlier::fit(X, n, d, {.k = 0});   // X: [n, d] row-major; 0 = choose k
//   std::vector<double> s = p.score(Y, m);               // [m], higher = more anomalous
//
// fit takes the mean and the top k principal directions of the fit rows (apps/analysis/pca.h:
// scikit-learn's PCA conventions, the exact covariance solver for d <= 1000); score(y) is the
// squared Euclidean distance from y to its projection onto the k-dimensional affine subspace
// mean + span(components): |r|^2 with r = (y - mean) - C^T C (y - mean).
// k = 0 chooses k: the smallest k whose leading components explain at least `auto_variance`
// (default 90%) of the total variance, capped at d - 1 so that some residual is left, and at
// least 1 (so d = 1 always gives k = 1 and zero scores). The auto choice needs the whole
// spectrum, so it always uses the exact solver (a d x d eigenproblem, O(d^3)).
// Results do not depend on the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/analysis/pca.h"

namespace hg::analysis {

struct PcaOutlierOptions {
  int k = 0;                   // components, 1 <= k <= min(n, d), or 0 to choose (see above)
  double auto_variance = 0.9;  // k = 0: the fraction of the variance to explain, in (0, 1]
  PcaSolver solver = PcaSolver::Auto;  // for a given k (k = 0 always uses Exact)
  uint64_t seed = 0;                   // the randomized solver's sketch
};

// A fitted model: plain data, so it can be written out and read back field by field.
struct PcaOutlier {
  int64_t d = 0;                                 // features
  int k = 0;                                     // components kept
  std::vector<double> mean;                      // [d]
  std::vector<double> components;                // [k, d] row-major, orthonormal rows
  std::vector<double> explained_variance_ratio;  // [k] (for reporting; score does not use it)

  // Throws hg::Error (one line) for n < 2, d < 1, k < 0, k > min(n, d), auto_variance outside
  // (0, 1], or a NaN / infinity in X (naming the first such row).
  static PcaOutlier fit(const float* X, int64_t n, int64_t d, const PcaOutlierOptions& opt = {});

  // The squared reconstruction errors of the m rows of Y [m, d] (m may be 0), summed in double.
  // Throws hg::Error for an unfitted or inconsistent model (array sizes, k outside [1, d]) or a
  // NaN / infinity in Y (naming the row).
  std::vector<double> score(const float* Y, int64_t m) const;
};

}  // namespace hg::analysis
