// Gaussian mixture by EM (see gmm.h).
//
// Layout: the data are converted to double once ([n, d]); responsibilities are an [n, k] matrix
// of probabilities. E-step: rows in parallel, each row's k weighted log densities and their
// log-sum-exp computed on its own, so chunking cannot change a bit; the mean log-likelihood is
// then summed over the rows in order. M-step: components in parallel, each summing over all rows
// in order. The Cholesky factors are refreshed at the end of every M-step (a failure is recorded
// per component and thrown after the parallel loop, never from a worker).
#include "apps/analysis/gmm.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

#include "apps/analysis/kmeans.h"
#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"
#include "engine/util/rng.h"

namespace hg::analysis {

namespace host = hg::host;

namespace {

constexpr double kLog2Pi = 1.8378770664093454835606594728112;  // log(2 pi)

std::string s(int64_t v) { return std::to_string(v); }

// Lower-triangular L with A = L L^T for the symmetric d x d matrix A (lower triangle read);
// false when A is not (numerically) positive definite.
bool cholesky(const double* A, int64_t d, double* L) {
  std::fill(L, L + d * d, 0.0);
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      double sum = A[i * d + j];
      for (int64_t t = 0; t < j; ++t) sum -= L[i * d + t] * L[j * d + t];
      if (i == j) {
        if (!(sum > 0.0) || !std::isfinite(sum)) return false;
        L[i * d + i] = std::sqrt(sum);
      } else {
        L[i * d + j] = sum / L[j * d + j];
      }
    }
  }
  return true;
}

// sum_i log L_ii of every component: half the log determinant of its covariance.
std::vector<double> half_log_dets(const GaussianMixture& g) {
  std::vector<double> h(static_cast<size_t>(g.k), 0.0);
  for (int j = 0; j < g.k; ++j)
    for (int64_t t = 0; t < g.d; ++t) h[j] += std::log(g.cholesky[(j * g.d + t) * g.d + t]);
  return h;
}

// out[j] = log weights_j + log N(x | means_j, covariances_j) for one row x [d]; z is scratch [d].
void weighted_log_prob(const GaussianMixture& g, const std::vector<double>& half_logdet,
                       const double* x, double* z, double* out) {
  const int64_t d = g.d;
  for (int j = 0; j < g.k; ++j) {
    const double* mu = &g.means[j * d];
    const double* L = &g.cholesky[j * d * d];
    double q = 0.0;
    for (int64_t r = 0; r < d; ++r) {  // forward substitution: z = L^-1 (x - mu)
      double v = x[r] - mu[r];
      for (int64_t t = 0; t < r; ++t) v -= L[r * d + t] * z[t];
      z[r] = v / L[r * d + r];
      q += z[r] * z[r];
    }
    out[j] = std::log(g.weights[j]) - 0.5 * (static_cast<double>(d) * kLog2Pi + q) - half_logdet[j];
  }
}

// For every row of X [n, d]: log p(x) into ll[i] and, when resp is given, the responsibilities
// into resp[i * k ..] (log-sum-exp, so far-out rows keep exact ratios).
void e_step(const GaussianMixture& g, const double* X, int64_t n, double* ll, double* resp) {
  const std::vector<double> hl = half_log_dets(g);
  const int k = g.k;
  const int64_t d = g.d;
  host::parallel_for(0, n, std::max<int64_t>(16, 4096 / (k * d * d + 1)),
                     [&](int64_t lo, int64_t hi) {
                       std::vector<double> z(static_cast<size_t>(d)), w(static_cast<size_t>(k));
                       for (int64_t i = lo; i < hi; ++i) {
                         weighted_log_prob(g, hl, X + i * d, z.data(), w.data());
                         const double top = *std::max_element(w.begin(), w.end());
                         double sum = 0.0;
                         for (int j = 0; j < k; ++j) sum += std::exp(w[j] - top);
                         const double lse = top + std::log(sum);
                         ll[i] = lse;
                         if (resp)
                           for (int j = 0; j < k; ++j) resp[i * k + j] = std::exp(w[j] - lse);
                       }
                     });
}

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Weights, means and covariances (reg_covar on the diagonal) from the responsibilities
// resp [n, k], then the Cholesky factors. Throws naming the first component whose covariance is
// not positive definite.
void m_step(const double* X, int64_t n, const std::vector<double>& resp, double reg_covar,
            GaussianMixture& g) {
  const int k = g.k;
  const int64_t d = g.d;
  std::vector<double> nk(static_cast<size_t>(k));
  std::vector<char> bad(static_cast<size_t>(k), 0);
  host::parallel_for(0, k, 1, [&](int64_t lo, int64_t hi) {
    std::vector<double> diff(static_cast<size_t>(d));
    for (int64_t j = lo; j < hi; ++j) {
      // scikit-learn's 10 eps keeps an emptied component's divisions finite.
      double w = 10.0 * DBL_EPSILON;
      double* mu = &g.means[j * d];
      std::fill(mu, mu + d, 0.0);
      for (int64_t i = 0; i < n; ++i) {
        const double r = resp[i * k + j];
        w += r;
        for (int64_t t = 0; t < d; ++t) mu[t] += r * X[i * d + t];
      }
      for (int64_t t = 0; t < d; ++t) mu[t] /= w;
      double* C = &g.covariances[j * d * d];
      std::fill(C, C + d * d, 0.0);
      for (int64_t i = 0; i < n; ++i) {
        const double r = resp[i * k + j];
        if (r == 0.0) continue;
        for (int64_t t = 0; t < d; ++t) diff[t] = X[i * d + t] - mu[t];
        for (int64_t a = 0; a < d; ++a) {
          const double ra = r * diff[a];
          for (int64_t b = 0; b <= a; ++b) C[a * d + b] += ra * diff[b];
        }
      }
      for (int64_t a = 0; a < d; ++a) {
        for (int64_t b = 0; b <= a; ++b) C[a * d + b] /= w;
        C[a * d + a] += reg_covar;
        for (int64_t b = 0; b < a; ++b) C[b * d + a] = C[a * d + b];
      }
      nk[j] = w;
      bad[j] = !cholesky(C, d, &g.cholesky[j * d * d]);
    }
  });
  for (int j = 0; j < k; ++j)
    if (bad[j])
      throw Error("gmm: the covariance of component " + s(j) +
                  " is not positive definite even with reg_covar " + std::to_string(reg_covar) +
                  " (too few or collinear points; raise reg_covar)");
  double total = 0.0;
  for (double w : nk) total += w;
  for (int j = 0; j < k; ++j) g.weights[j] = nk[j] / total;
}

GaussianMixture empty_model(int k, int64_t d) {
  GaussianMixture g;
  g.k = k;
  g.d = d;
  g.weights.assign(static_cast<size_t>(k), 0.0);
  g.means.assign(static_cast<size_t>(k * d), 0.0);
  g.covariances.assign(static_cast<size_t>(k * d * d), 0.0);
  g.cholesky.assign(static_cast<size_t>(k * d * d), 0.0);
  return g;
}

struct Run {
  GaussianMixture model;
  double lower_bound = -std::numeric_limits<double>::infinity();
  bool converged = false;
  int iterations = 0;
};

// One k-means-initialised EM run.
Run run_once(const float* X32, const std::vector<double>& X, int64_t n, int64_t d,
             const GmmOptions& opt, uint64_t seed) {
  KMeansOptions ko;
  ko.k = opt.k;
  ko.n_init = 1;
  ko.seed = seed;
  const KMeansResult km = kmeans(X32, n, d, ko);
  std::vector<double> resp(static_cast<size_t>(n * opt.k), 0.0);
  for (int64_t i = 0; i < n; ++i) resp[i * opt.k + km.labels[i]] = 1.0;
  Run r;
  r.model = empty_model(opt.k, d);
  m_step(X.data(), n, resp, opt.reg_covar, r.model);
  std::vector<double> ll(static_cast<size_t>(n));
  for (int it = 1; it <= opt.max_iter; ++it) {
    interrupt::check("the Gaussian mixture");
    const double prev = r.lower_bound;
    e_step(r.model, X.data(), n, ll.data(), resp.data());
    r.lower_bound = mean_of(ll);
    m_step(X.data(), n, resp, opt.reg_covar, r.model);
    r.iterations = it;
    if (std::fabs(r.lower_bound - prev) < opt.tol) {
      r.converged = true;
      break;
    }
  }
  return r;
}

void check_rows(const float* Y, int64_t m, int64_t d, const char* who) {
  if (m > 0 && !Y) throw Error(std::string(who) + ": null data");
  const int64_t bad = detail::first_nonfinite_row(Y, m, d);
  if (bad < m) throw Error(std::string(who) + ": row " + s(bad) + " has a NaN or infinity");
}

void check_model(const GaussianMixture& g, const char* who) {
  const size_t k = static_cast<size_t>(std::max(g.k, 0)),
               d = static_cast<size_t>(std::max<int64_t>(g.d, 0));
  if (g.k < 1 || g.d < 1 || g.weights.size() != k || g.means.size() != k * d ||
      g.cholesky.size() != k * d * d)
    throw Error(std::string(who) + ": the mixture is not fitted (or its arrays disagree in size)");
}

std::vector<double> to_double(const float* X, int64_t n, int64_t d) {
  return std::vector<double>(X, X + n * d);
}

}  // namespace

std::vector<double> GaussianMixture::score_samples(const float* Y, int64_t m) const {
  check_model(*this, "gmm score_samples");
  check_rows(Y, m, d, "gmm score_samples");
  std::vector<double> ll(static_cast<size_t>(m));
  const std::vector<double> Y64 = to_double(Y, m, d);
  e_step(*this, Y64.data(), m, ll.data(), nullptr);
  return ll;
}

std::vector<int32_t> GaussianMixture::predict(const float* Y, int64_t m) const {
  check_model(*this, "gmm predict");
  check_rows(Y, m, d, "gmm predict");
  const std::vector<double> Y64 = to_double(Y, m, d);
  std::vector<double> ll(static_cast<size_t>(m)), resp(static_cast<size_t>(m * k));
  e_step(*this, Y64.data(), m, ll.data(), resp.data());
  std::vector<int32_t> labels(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    const double* r = &resp[i * k];
    labels[i] = static_cast<int32_t>(std::max_element(r, r + k) - r);  // the first maximum
  }
  return labels;
}

GmmResult fit_gmm(const float* X, int64_t n, int64_t d, const GmmOptions& opt) {
  if (n < 1) throw Error("gmm: no samples (n = " + s(n) + ")");
  if (d < 1) throw Error("gmm: no features (d = " + s(d) + ")");
  if (!X) throw Error("gmm: null data");
  if (opt.k < 1) throw Error("gmm: k must be >= 1 (got " + s(opt.k) + ")");
  if (opt.k > n) throw Error("gmm: k = " + s(opt.k) + " exceeds the number of samples " + s(n));
  if (opt.n_init < 1) throw Error("gmm: n_init must be >= 1 (got " + s(opt.n_init) + ")");
  if (opt.max_iter < 1) throw Error("gmm: max_iter must be >= 1 (got " + s(opt.max_iter) + ")");
  if (!(opt.tol >= 0.0) || !std::isfinite(opt.tol))
    throw Error("gmm: tol must be finite and >= 0 (got " + std::to_string(opt.tol) + ")");
  if (!(opt.reg_covar >= 0.0) || !std::isfinite(opt.reg_covar))
    throw Error("gmm: reg_covar must be finite and >= 0 (got " + std::to_string(opt.reg_covar) +
                ")");
  check_rows(X, n, d, "gmm");

  const std::vector<double> X64 = to_double(X, n, d);
  Rng master(opt.seed);
  Run best;
  int best_init = -1;
  for (int init = 0; init < opt.n_init; ++init) {
    Run r = run_once(X, X64, n, d, opt, master.next_u64());
    if (best_init < 0 || r.lower_bound > best.lower_bound) best = std::move(r), best_init = init;
  }

  GmmResult res;
  res.model = std::move(best.model);
  res.lower_bound = best.lower_bound;
  res.converged = best.converged;
  res.iterations = best.iterations;
  res.best_init = best_init;
  res.labels = res.model.predict(X, n);
  res.log_likelihood = res.model.score_samples(X, n);
  res.mean_log_likelihood = mean_of(res.log_likelihood);
  return res;
}

}  // namespace hg::analysis
