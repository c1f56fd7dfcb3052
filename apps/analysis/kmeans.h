// k-means clustering of float32 data (Lloyd's algorithm with k-means++ seeding), following
// scikit-learn's KMeans(init="k-means++", algorithm="lloyd"):
//
//   KMeansResult r = kmeans(X, n, d, {.k = 10});   // X: [n, d] row-major, one sample per row
//   r.labels[i] in [0, k), r.centers[j * d + t], r.inertia = sum_i |x_i - centers[labels[i]]|^2
//
// - Seeding: greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's 2 + floor(ln k) local
//   trials per center: the candidate that lowers the potential most is kept).
// - n_init independent runs (their seeds drawn from `seed`); the run with the lowest inertia is
//   kept (the earliest on ties).
// - Lloyd iterations: every point goes to its nearest center, every center moves to the mean of
//   its points. A run stops when no label changes or no center moves, when the total squared
//   center shift is <= tol * (the mean over features of the data's variance), or after max_iter
//   iterations; when it stopped on the tolerance or max_iter the labels are recomputed for the
//   final centers.
// - A cluster that becomes empty is re-seeded with the point farthest from its center (then the
//   next farthest, ..., never emptying another cluster).
// - Same data, options and seed give the same result bit for bit whatever the thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

struct KMeansOptions {
  int k = 0;           // clusters, 1 <= k <= n (required)
  int n_init = 10;     // independent k-means++ + Lloyd runs, >= 1
  int max_iter = 300;  // Lloyd iterations per run, >= 1
  double tol = 1e-4;   // relative to the mean per-feature variance (scikit-learn's convention)
  uint64_t seed = 0;
};

struct KMeansResult {
  std::vector<float> centers;   // [k, d] row-major
  std::vector<int32_t> labels;  // [n], in [0, k)
  double inertia = 0;           // sum of squared distances to the assigned centers (double)
  int iterations = 0;           // Lloyd iterations of the kept run
  int best_init = 0;            // which of the n_init runs was kept (0-based)
};

// Throws hg::Error (one line) for k < 1, k > n, n < 1, d < 1, n_init < 1, max_iter < 1, a
// negative or non-finite tol, or a NaN / infinity in X (naming the first such row).
KMeansResult kmeans(const float* X, int64_t n, int64_t d, const KMeansOptions& opt);

// Helpers shared by the clustering code (kmeans.cpp, silhouette.cpp); not a user-facing API.
namespace detail {
// The first row of X [n, d] holding a NaN or infinity, or n when every value is finite.
int64_t first_nonfinite_row(const float* X, int64_t n, int64_t d);
// X minus its column means (computed in double), rounded to float: [n, d]. Translating the data
// to the origin keeps |x|^2 - 2 x.c + |c|^2 accurate for data far from it. *mean gets the means.
std::vector<float> centred_copy(const float* X, int64_t n, int64_t d, std::vector<double>* mean);
// Squared norms of the rows of X [n, d], summed in double, rounded to float.
std::vector<float> row_sq_norms(const float* X, int64_t n, int64_t d);
}  // namespace detail

}  // namespace hg::analysis
