// Gaussian mixture with full covariances fitted by EM, set up as scikit-learn's
// sklearn.mixture.GaussianMixture(covariance_type="full", init_params="kmeans") so that the two
// can be compared run for run:
//
//   GmmOptions o;  o.k = 10;  o.n_init = 10;
//   GmmResult r = fit_gmm(X, n, d, o);       // X: [n, d] row-major float32
//   r.labels[i]                              // argmax of the responsibilities, in [0, k)
//   r.model.predict(Y, m), r.model.score_samples(Y, m)   // new rows
//
// - Initialisation (each of the n_init runs): one seeded k-means run (apps/analysis/kmeans.h,
//   n_init 1; the runs' seeds are drawn from `seed`) gives hard responsibilities, from which an
//   M-step makes the first weights, means and covariances.
// - EM: an E-step (responsibilities by log-sum-exp over the weighted log densities; its mean log
//   likelihood per sample is the "lower bound" of the parameters it used), then an M-step
//   (n_j = sum of responsibilities + 10 DBL_EPSILON, means, covariances with reg_covar added to
//   every diagonal, weights n_j / n). A run stops when the lower bound changed by less than tol
//   from the previous iteration (converged) or after max_iter iterations. As in scikit-learn the
//   run with the highest final lower bound is kept (the earliest on ties), and the labels come
//   from one more E-step with the kept parameters.
// - Densities through the Cholesky factor L of every covariance (cov = L L^T): log N(x | mu, cov)
//   = -(d log 2 pi + |L^-1 (x - mu)|^2) / 2 - sum log L_ii. A covariance that is not positive
//   definite even with reg_covar throws hg::Error naming the component.
// - All arithmetic in double. E-steps are parallel over rows, M-steps over components, every sum
//   in a fixed order: the same data, options and seed give the same bits at any thread count.
// Cost per EM iteration O(n k d^2); meant for low-dimensional data such as a t-SNE map.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

struct GmmOptions {
  int k = 0;                // components, 1 <= k <= n (required)
  int n_init = 1;           // independent k-means-initialised EM runs, >= 1
  int max_iter = 100;       // EM iterations per run, >= 1
  double tol = 1e-3;        // on the change of the mean log-likelihood per sample, >= 0
  double reg_covar = 1e-6;  // added to every covariance diagonal, >= 0
  uint64_t seed = 0;
};

// A fitted mixture: plain data.
struct GaussianMixture {
  int k = 0;
  int64_t d = 0;
  std::vector<double> weights;      // [k], summing to 1
  std::vector<double> means;        // [k, d]
  std::vector<double> covariances;  // [k, d, d], reg_covar included
  std::vector<double> cholesky;     // [k, d, d] lower-triangular L_j with covariances_j = L_j L_j^T

  // log p(x) = log sum_j weights_j N(x | means_j, covariances_j) of every row of Y [m, d].
  // Throws hg::Error for an unfitted model or a NaN / infinity in Y (naming the row).
  std::vector<double> score_samples(const float* Y, int64_t m) const;
  // The component of highest responsibility of every row (the earliest on ties); throws as
  // score_samples.
  std::vector<int32_t> predict(const float* Y, int64_t m) const;
};

struct GmmResult {
  GaussianMixture model;
  std::vector<int32_t> labels;         // [n], model.predict of the fitted rows
  std::vector<double> log_likelihood;  // [n], model.score_samples of the fitted rows
  double mean_log_likelihood = 0;      // their mean (scikit-learn's score(X))
  double lower_bound = 0;              // the kept run's last lower bound (lower_bound_)
  bool converged = false;              // the kept run met tol before max_iter
  int iterations = 0;                  // EM iterations of the kept run (n_iter_)
  int best_init = 0;                   // which of the n_init runs was kept (0-based)
};

// Throws hg::Error (one line) for k < 1, k > n, d < 1, n_init < 1, max_iter < 1, a negative or
// non-finite tol or reg_covar, a NaN / infinity in X (naming the first such row), or a
// covariance that is not positive definite (naming the component).
GmmResult fit_gmm(const float* X, int64_t n, int64_t d, const GmmOptions& opt);

}  // namespace hg::analysis
