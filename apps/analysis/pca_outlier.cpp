// PCA reconstruction error (see pca_outlier.h).
//
// Score: for each block of rows, the centred block Yc (double subtraction rounded to float) gives
// Z = Yc C^T by one SGEMM and then, by a second SGEMM with beta = 1 writing over Yc, the residual
// R = Yc - Z C itself, whose squares are summed in double. Taking |Yc|^2 - |Z|^2 instead would be
// one SGEMM cheaper but loses the small residuals (k close to d, rows near the subspace) to
// cancellation; the residual's float error is a few u |Yc| per entry, below the error of the
// components themselves (whose covariance is accumulated in float blocks, see pca.cpp).
// Measured (Release, 2 threads, 2-core AMD EPYC shared with other builds, Fashion-MNIST 10000 x
// 784, k = 0 -> 82): fit 0.15-0.16 s (the exact 784 x 784 eigenproblem), scoring 10000 rows
// 0.012 s; against scikit-learn's PCA(svd_solver="full"): same k, scores within 2.2e-6 relative.
#include "apps/analysis/pca_outlier.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "apps/analysis/kmeans.h"  // detail::first_nonfinite_row
#include "engine/host/gemm.h"
#include "engine/host/parallel.h"
#include "engine/util/error.h"

namespace hg::analysis {
namespace {

namespace host = hg::host;

constexpr int64_t kScoreRows = 1024;  // rows per block when scoring

std::string s(int64_t v) { return std::to_string(v); }

// The smallest k whose leading explained-variance ratios add up to >= target, within [1, cap].
int choose_k(const std::vector<double>& ratio, double target, int cap) {
  double cum = 0.0;
  for (int j = 0; j < cap && j < static_cast<int>(ratio.size()); ++j) {
    cum += ratio[j];
    if (cum >= target) return j + 1;
  }
  return cap;
}

}  // namespace

PcaOutlier PcaOutlier::fit(const float* X, int64_t n, int64_t d, const PcaOutlierOptions& opt) {
  if (n < 2) throw Error("PCA outlier: needs at least 2 samples, got " + s(n));
  if (d < 1) throw Error("PCA outlier: needs at least 1 feature, got " + s(d));
  if (!X) throw Error("PCA outlier: no data");
  if (opt.k < 0 || opt.k > std::min(n, d))
    throw Error("PCA outlier: k must be 0 (auto) or between 1 and min(n, d) = " +
                s(std::min(n, d)) + ", got " + s(opt.k));
  if (!(opt.auto_variance > 0.0 && opt.auto_variance <= 1.0))
    throw Error("PCA outlier: auto_variance must be in (0, 1], got " +
                std::to_string(opt.auto_variance));
  if (const int64_t bad = detail::first_nonfinite_row(X, n, d); bad < n)
    throw Error("PCA outlier: row " + s(bad) + " has a NaN or infinity");

  PcaOptions po;
  po.solver = opt.solver;
  po.seed = opt.seed;
  int k = opt.k;
  if (k == 0) po.solver = PcaSolver::Exact;  // needs every explained variance
  Pca pca = Pca::fit(X, n, d, k == 0 ? static_cast<int>(std::min(n, d)) : k, po);
  if (k == 0) {
    const int cap = static_cast<int>(std::max<int64_t>(1, std::min(d - 1, std::min(n, d))));
    k = choose_k(pca.explained_variance_ratio, opt.auto_variance, cap);
  }

  PcaOutlier p;
  p.d = d;
  p.k = k;
  p.mean = std::move(pca.mean);
  p.components.assign(pca.components.begin(), pca.components.begin() + k * d);
  p.explained_variance_ratio.assign(pca.explained_variance_ratio.begin(),
                                    pca.explained_variance_ratio.begin() + k);
  return p;
}

std::vector<double> PcaOutlier::score(const float* Y, int64_t m) const {
  if (d < 1 || k < 1) throw Error("PCA outlier: score called before fit");
  if (k > d) throw Error("PCA outlier: k = " + s(k) + " exceeds d = " + s(d));
  if (mean.size() != static_cast<size_t>(d) || components.size() != static_cast<size_t>(k * d))
    throw Error("PCA outlier: inconsistent array sizes in the fitted model");
  if (m < 0) throw Error("PCA outlier: negative row count");
  std::vector<double> out(static_cast<size_t>(m));
  if (m == 0) return out;
  if (!Y) throw Error("PCA outlier: no data to score");
  if (const int64_t bad = detail::first_nonfinite_row(Y, m, d); bad < m)
    throw Error("PCA outlier: row " + s(bad) + " to score has a NaN or infinity");

  const std::vector<float> C(components.begin(), components.end());
  const int64_t block = std::min(m, kScoreRows);
  std::vector<float> R(static_cast<size_t>(block * d));
  std::vector<float> Z(static_cast<size_t>(block * k));
  const int64_t grain = std::max<int64_t>(1, 32768 / d);
  for (int64_t r0 = 0; r0 < m; r0 += block) {
    const int64_t rows = std::min(block, m - r0);
    host::parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        for (int64_t t = 0; t < d; ++t)
          R[i * d + t] = static_cast<float>(static_cast<double>(Y[(r0 + i) * d + t]) - mean[t]);
    });
    host::gemm(host::Trans::N, host::Trans::T, rows, k, d, 1.0f, R.data(), d, C.data(), d, 0.0f,
               Z.data(), k);
    host::gemm(host::Trans::N, host::Trans::N, rows, d, k, -1.0f, Z.data(), k, C.data(), d, 1.0f,
               R.data(), d);
    host::parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        double acc = 0.0;
        for (int64_t t = 0; t < d; ++t) acc += static_cast<double>(R[i * d + t]) * R[i * d + t];
        out[r0 + i] = acc;
      }
    });
  }
  return out;
}

}  // namespace hg::analysis
