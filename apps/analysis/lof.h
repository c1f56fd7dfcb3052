// Local Outlier Factor (Breunig et al. 2000) in novelty mode on float32 data, following
// scikit-learn's LocalOutlierFactor(n_neighbors=20, novelty=True), exact Euclidean neighbours:
//
//   LocalOutlierFactor lof = LocalOutlierFactor::fit(X, n, d);  // X: [n, d] reference rows
//   std::vector<double> s = lof.score(Y, m);                    // [m], higher = more anomalous
//
// - k = min(n_neighbors, n - 1). A reference row's neighbours are its k nearest OTHER reference
//   rows; a scored row's are its k nearest reference rows (a copy of a reference row counts that
//   row, at distance 0). Ties go to the lower index.
// - k_distance[i] = the distance from reference row i to its k-th neighbour.
// - reach(p, o) = max(dist(p, o), k_distance[o]); the local reachability density of p is
//   lrd(p) = 1 / (mean over its neighbours o of reach(p, o) + 1e-10), the 1e-10 being
//   scikit-learn's guard for rows with more than k duplicates (mean reach 0).
// - score(p) = mean over its neighbours o of lrd(o) / lrd(p): about 1 inside a cluster, larger
//   for rows in sparser regions than their neighbours. It is minus scikit-learn's score_samples.
// Neighbours are found with one SGEMM per block of rows (|a|^2 - 2 a.b + |b|^2 on data centred
// by the reference mean); every pair that the float rounding bound cannot rule out is then
// measured again in double, so the neighbours and distances are those of exact arithmetic
// (distances in double from the float32 inputs). Cost O(n m d) for scoring m rows, O(n^2 d) to
// fit. Results do not depend on the thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

struct LofOptions {
  int n_neighbors = 20;  // >= 1; capped at n - 1
};

// A fitted model: plain data, so it can be written out and read back field by field.
struct LocalOutlierFactor {
  int64_t n = 0;                   // reference rows
  int64_t d = 0;                   // features
  int k = 0;                       // neighbours used, min(n_neighbors, n - 1)
  std::vector<float> X;            // [n, d] the reference rows, row-major
  std::vector<double> k_distance;  // [n] distance from each reference row to its k-th neighbour
  std::vector<double> lrd;         // [n] local reachability density of each reference row

  // Keeps X [n, d] and computes k_distance and lrd. Throws hg::Error (one line) for n < 2, d < 1,
  // n_neighbors < 1, or a NaN / infinity in X (naming the first such row).
  static LocalOutlierFactor fit(const float* X, int64_t n, int64_t d, const LofOptions& opt = {});

  // The LOF of the m rows of Y [m, d] against the reference rows (m may be 0). Throws hg::Error
  // for an unfitted or inconsistent model (array sizes, k outside [1, n - 1]) or a NaN /
  // infinity in Y (naming the row).
  std::vector<double> score(const float* Y, int64_t m) const;
};

namespace detail {
// The k nearest rows of R [n, d] to every row of Q [m, d] in exact Euclidean distance (ties to
// the lower index): idx[q * k + j] (int32, ascending distance) and dist[q * k + j] (double).
// With exclude_self, Q must be R itself (m == n) and row q is not its own neighbour. k <= n
// (k <= n - 1 with exclude_self). Exposed for the tests.
void exact_knn(const float* R, int64_t n, const float* Q, int64_t m, int64_t d, int k,
               bool exclude_self, std::vector<int32_t>* idx, std::vector<double>* dist);
}  // namespace detail

}  // namespace hg::analysis
