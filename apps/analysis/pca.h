// Principal component analysis of float32 data, the one implementation shared by the tests and
// the analysis commands (clustering, compression).
//
//   Pca p = Pca::fit(X, n, d, k);            // X: [n, d] row-major, one sample per row
//   std::vector<float> z = p.transform(X, n);  // [n, k]
//   std::vector<float> x = p.inverse_transform(z.data(), n);  // [n, d]
//
// Conventions follow scikit-learn's PCA: variances divide by n - 1, components are the unit
// right singular vectors of the centred data in decreasing order of variance. Signs are fixed
// so that the largest-|.| entry of every component is positive (the first such entry on ties).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hg::analysis {

enum class PcaSolver {
  Auto,        // Exact when d <= 1000, else Randomized
  Exact,       // d x d covariance (SGEMM on centred blocks, double accumulation) + sym_eigen
  Randomized,  // Halko, Martinsson & Tropp: subspace iteration on a Gaussian sketch
};

// "auto", "exact", "randomized"; parse_pca_solver throws hg::Error on anything else.
const char* pca_solver_name(PcaSolver s);
PcaSolver parse_pca_solver(const std::string& name);

struct PcaOptions {
  PcaSolver solver = PcaSolver::Auto;
  int oversampling = 10;     // randomized: extra sketch columns beyond k
  int power_iterations = 4;  // randomized: power (subspace) iterations
  uint64_t seed = 0;         // randomized: the Gaussian test matrix (through hg::Rng)
};

struct Pca {
  int64_t n_samples = 0;
  int64_t d = 0;                                 // features
  int k = 0;                                     // components
  PcaSolver solver = PcaSolver::Exact;           // the solver actually used (never Auto)
  std::vector<double> mean;                      // [d]
  std::vector<double> components;                // [k, d] row-major, orthonormal rows
  std::vector<double> explained_variance;        // [k], descending, divided by n - 1
  std::vector<double> explained_variance_ratio;  // [k], explained_variance / total_variance
                                                 // (0 when total_variance == 0)
  double total_variance = 0;  // sum of the per-feature variances (divided by n - 1)

  // Fits k components to X [n, d] (row-major float32). Throws hg::Error (one line) for k < 1,
  // k > min(n, d), n < 2, d < 1, a NaN or infinity (naming the row), or bad options.
  static Pca fit(const float* X, int64_t n, int64_t d, int k, const PcaOptions& opt = {});
  static Pca fit(const std::vector<float>& X, int64_t n, int64_t d, int k,
                 const PcaOptions& opt = {});  // checks X.size() == n * d

  // (X - mean) components^T: [n, d] -> [n, k] (float32, via the CPU SGEMM).
  std::vector<float> transform(const float* X, int64_t n) const;
  // Z components + mean: [n, k] -> [n, d].
  std::vector<float> inverse_transform(const float* Z, int64_t n) const;
};

}  // namespace hg::analysis
