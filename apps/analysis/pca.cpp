// PCA (see pca.h).
//
// Statistics: the mean and the per-feature variances are summed in double, one feature column
// per task in row order, so they do not depend on the thread count.
// Exact solver: the covariance is accumulated block by block: each block of kCovRows rows is
// centred (in double, then rounded to float), its Gram matrix Xc_b^T Xc_b is one SGEMM
// (float sums of kCovRows products), and the blocks are added up in double. The d x d matrix
// then goes to sym_eigen. n d^2 multiply-adds at SGEMM speed plus O(d^3) for the eigensolver
// (n = 60000, d = 784, k = 32: 0.6 s on one thread of a 2-core AMD EPYC; randomized 0.5 s).
// Randomized solver (Halko, Martinsson & Tropp 2011, with the range finder run on the covariance
// S = Xc^T Xc): Z = orth(Omega), Omega a d x l Gaussian matrix, l = k + oversampling; then
// power_iterations + 1 times Z <- orth(S Z); finally the Rayleigh-Ritz step: the l x l matrix
// Z^T S Z = (Xc Z)^T (Xc Z) is diagonalised by sym_eigen, whose top k eigenvectors V give the
// components (Z V)^T and whose eigenvalues / (n - 1) the explained variances. Every product
// with S is one pass over the data in row blocks (two SGEMMs per block: Y = Xc_b Z and
// Xc_b^T Y), so the cost is (power_iterations + 2) * 4 n d l flops, far below n d^2 for small k.
// Columns that become dependent (data of rank < l) are replaced by random orthogonal ones.
#include "apps/analysis/pca.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include "apps/analysis/linalg.h"
#include "engine/host/gemm.h"
#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::analysis {
namespace {

namespace host = hg::host;

constexpr int64_t kCovRows = 128;   // exact solver: rows per float Gram block
constexpr int64_t kPassRows = 256;  // randomized solver and transforms: rows per block

std::string s(int64_t v) { return std::to_string(v); }

// Column-parallel loop over features [0, d): each task owns a range of features.
template <class F>
void for_features(int64_t n, int64_t d, F f) {
  const int64_t grain = std::max<int64_t>(8, 262144 / std::max<int64_t>(n, 1));
  host::parallel_for(0, d, grain, [&](int64_t lo, int64_t hi) { f(lo, hi); });
}

// The first row holding a NaN or infinity, or n when every value is finite.
int64_t first_bad_row(const float* X, int64_t n, int64_t d) {
  std::atomic<int64_t> bad{n};
  host::parallel_for(0, n, std::max<int64_t>(1, 65536 / d), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi && i < bad.load(std::memory_order_relaxed); ++i) {
      const float* row = X + i * d;
      bool ok = true;
      for (int64_t j = 0; j < d; ++j) ok &= std::isfinite(row[j]);
      if (!ok) {
        int64_t cur = bad.load();
        while (i < cur && !bad.compare_exchange_weak(cur, i)) {}
        return;
      }
    }
  });
  return bad.load();
}

// rows [r0, r0 + rows) of X minus the mean, as float, into buf [rows, d].
void centre_block(const float* X, int64_t d, int64_t r0, int64_t rows, const double* mean,
                  float* buf) {
  host::parallel_for(0, rows, std::max<int64_t>(1, 32768 / d), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* x = X + (r0 + i) * d;
      float* out = buf + i * d;
      for (int64_t j = 0; j < d; ++j) out[j] = static_cast<float>(x[j] - mean[j]);
    }
  });
}

// Makes the largest-|.| entry of each row (the first on ties) positive.
void fix_signs(std::vector<double>& comp, int k, int64_t d) {
  for (int j = 0; j < k; ++j) {
    double* row = comp.data() + j * d;
    int64_t arg = 0;
    for (int64_t t = 1; t < d; ++t)
      if (std::fabs(row[t]) > std::fabs(row[arg])) arg = t;
    if (row[arg] < 0)
      for (int64_t t = 0; t < d; ++t) row[t] = -row[t];
  }
}

// Exact: covariance * (n - 1), as a d x d double matrix.
std::vector<double> scatter_matrix(const float* X, int64_t n, int64_t d, const double* mean) {
  std::vector<double> S(static_cast<size_t>(d * d), 0.0);
  std::vector<float> block(static_cast<size_t>(std::min(n, kCovRows) * d));
  std::vector<float> gram(static_cast<size_t>(d * d));
  for (int64_t r0 = 0; r0 < n; r0 += kCovRows) {
    const int64_t rows = std::min(kCovRows, n - r0);
    centre_block(X, d, r0, rows, mean, block.data());
    host::gemm(host::Trans::T, host::Trans::N, d, d, rows, 1.0f, block.data(), d, block.data(), d,
               0.0f, gram.data(), d);
    host::parallel_elementwise(d * d, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) S[t] += gram[t];
    });
  }
  return S;
}

// Randomized: one pass over the data. Returns W = S Z ([d, l], double) and, when gram is not
// null, Z^T S Z = (Xc Z)^T (Xc Z) ([l, l], double).
std::vector<double> apply_scatter(const float* X, int64_t n, int64_t d, const double* mean,
                                  const std::vector<double>& Z, int l, std::vector<double>* gram) {
  std::vector<float> zf(Z.begin(), Z.end());
  std::vector<double> W(static_cast<size_t>(d * l), 0.0);
  if (gram) gram->assign(static_cast<size_t>(l) * l, 0.0);
  std::vector<float> block(static_cast<size_t>(std::min(n, kPassRows) * d));
  std::vector<float> y(static_cast<size_t>(std::min(n, kPassRows) * l));
  std::vector<float> wb(static_cast<size_t>(d * l));
  for (int64_t r0 = 0; r0 < n; r0 += kPassRows) {
    const int64_t rows = std::min(kPassRows, n - r0);
    centre_block(X, d, r0, rows, mean, block.data());
    host::gemm(host::Trans::N, host::Trans::N, rows, l, d, 1.0f, block.data(), d, zf.data(), l,
               0.0f, y.data(), l);
    host::gemm(host::Trans::T, host::Trans::N, d, l, rows, 1.0f, block.data(), d, y.data(), l, 0.0f,
               wb.data(), l);
    for (int64_t t = 0; t < d * l; ++t) W[t] += wb[t];
    if (gram)
      for (int64_t i = 0; i < rows; ++i) {
        const float* yr = y.data() + i * l;
        for (int p = 0; p < l; ++p) {
          const double yp = yr[p];
          double* g = gram->data() + static_cast<int64_t>(p) * l;
          for (int q = 0; q < l; ++q) g[q] += yp * yr[q];
        }
      }
  }
  return W;
}

}  // namespace

const char* pca_solver_name(PcaSolver s) {
  switch (s) {
    case PcaSolver::Auto: return "auto";
    case PcaSolver::Exact: return "exact";
    case PcaSolver::Randomized: return "randomized";
  }
  return "?";
}

PcaSolver parse_pca_solver(const std::string& name) {
  if (name == "auto") return PcaSolver::Auto;
  if (name == "exact") return PcaSolver::Exact;
  if (name == "randomized") return PcaSolver::Randomized;
  throw Error("unknown PCA solver '" + name + "' (expected auto, exact or randomized)");
}

Pca Pca::fit(const std::vector<float>& X, int64_t n, int64_t d, int k, const PcaOptions& opt) {
  if (n < 0 || d < 0 || X.size() != static_cast<size_t>(n * d))
    throw Error("PCA: the data has " + s(static_cast<int64_t>(X.size())) +
                " values, expected n x d = " + s(n) + " x " + s(d));
  return fit(X.data(), n, d, k, opt);
}

Pca Pca::fit(const float* X, int64_t n, int64_t d, int k, const PcaOptions& opt) {
  if (n < 2) throw Error("PCA: needs at least 2 samples, got " + s(n));
  if (d < 1) throw Error("PCA: needs at least 1 feature, got " + s(d));
  if (k < 1 || k > std::min(n, d))
    throw Error("PCA: the number of components must be between 1 and min(n, d) = " +
                s(std::min(n, d)) + ", got " + s(k));
  if (opt.oversampling < 0 || opt.power_iterations < 0)
    throw Error("PCA: oversampling and power_iterations must be >= 0");
  if (!X) throw Error("PCA: no data");
  if (const int64_t bad = first_bad_row(X, n, d); bad < n)
    throw Error("PCA: row " + s(bad) + " of the data contains NaN or infinity");

  Pca p;
  p.n_samples = n;
  p.d = d;
  p.k = k;
  p.solver = opt.solver == PcaSolver::Auto ? (d <= 1000 ? PcaSolver::Exact : PcaSolver::Randomized)
                                           : opt.solver;

  // Mean and per-feature variances, in double.
  p.mean.assign(d, 0.0);
  std::vector<double> var(d, 0.0);
  for_features(n, d, [&](int64_t lo, int64_t hi) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = lo; j < hi; ++j) p.mean[j] += X[i * d + j];
    for (int64_t j = lo; j < hi; ++j) p.mean[j] /= static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = lo; j < hi; ++j) {
        const double c = X[i * d + j] - p.mean[j];
        var[j] += c * c;
      }
  });
  const double dof = static_cast<double>(n - 1);
  p.total_variance = 0.0;
  for (int64_t j = 0; j < d; ++j) p.total_variance += var[j] / dof;

  p.components.assign(static_cast<size_t>(k * d), 0.0);
  p.explained_variance.assign(k, 0.0);
  if (p.solver == PcaSolver::Exact) {
    const SymEigen eig = sym_eigen(scatter_matrix(X, n, d, p.mean.data()), static_cast<int>(d));
    std::copy_n(eig.vectors.begin(), k * d, p.components.begin());
    for (int j = 0; j < k; ++j) p.explained_variance[j] = std::max(0.0, eig.values[j]) / dof;
  } else {
    const int l =
        static_cast<int>(std::min<int64_t>(k + int64_t{opt.oversampling}, std::min(n, d)));
    Rng rng(opt.seed);
    std::vector<double> z(static_cast<size_t>(d * l));
    for (double& v : z) v = rng.normal();
    z = orthonormalize_columns(z, static_cast<int>(d), l, 1e-10, &rng);
    for (int it = 0; it <= opt.power_iterations; ++it)
      z = orthonormalize_columns(apply_scatter(X, n, d, p.mean.data(), z, l, nullptr),
                                 static_cast<int>(d), l, 1e-10, &rng);
    std::vector<double> gram;
    apply_scatter(X, n, d, p.mean.data(), z, l, &gram);
    const SymEigen eig = sym_eigen(gram, l);
    // components[j] = sum_t V[j][t] z[:, t]  (V's rows are the Ritz vectors' coordinates).
    for (int j = 0; j < k; ++j) {
      double* c = p.components.data() + j * d;
      const double* vj = eig.vectors.data() + static_cast<int64_t>(j) * l;
      for (int64_t i = 0; i < d; ++i) {
        const double* zi = z.data() + i * l;
        double acc = 0;
        for (int t = 0; t < l; ++t) acc += vj[t] * zi[t];
        c[i] = acc;
      }
      p.explained_variance[j] = std::max(0.0, eig.values[j]) / dof;
    }
  }
  fix_signs(p.components, k, d);
  p.explained_variance_ratio.assign(k, 0.0);
  if (p.total_variance > 0)
    for (int j = 0; j < k; ++j)
      p.explained_variance_ratio[j] = p.explained_variance[j] / p.total_variance;
  return p;
}

std::vector<float> Pca::transform(const float* X, int64_t n) const {
  if (k < 1) throw Error("PCA: transform called before fit");
  if (n < 0) throw Error("PCA: transform: negative row count");
  std::vector<float> out(static_cast<size_t>(n * k));
  if (n == 0) return out;
  if (!X) throw Error("PCA: transform: no data");
  const std::vector<float> cf(components.begin(), components.end());
  std::vector<float> block(static_cast<size_t>(std::min(n, kPassRows) * d));
  for (int64_t r0 = 0; r0 < n; r0 += kPassRows) {
    const int64_t rows = std::min(kPassRows, n - r0);
    centre_block(X, d, r0, rows, mean.data(), block.data());
    host::gemm(host::Trans::N, host::Trans::T, rows, k, d, 1.0f, block.data(), d, cf.data(), d,
               0.0f, out.data() + r0 * k, k);
  }
  return out;
}

std::vector<float> Pca::inverse_transform(const float* Z, int64_t n) const {
  if (k < 1) throw Error("PCA: inverse_transform called before fit");
  if (n < 0) throw Error("PCA: inverse_transform: negative row count");
  std::vector<float> out(static_cast<size_t>(n * d));
  if (n == 0) return out;
  if (!Z) throw Error("PCA: inverse_transform: no data");
  const std::vector<float> cf(components.begin(), components.end());
  const std::vector<float> mf(mean.begin(), mean.end());
  host::Epilogue ep;
  ep.bias = mf.data();
  host::gemm(host::Trans::N, host::Trans::N, n, d, k, 1.0f, Z, k, cf.data(), d, 0.0f, out.data(), d,
             ep);
  return out;
}

}  // namespace hg::analysis
