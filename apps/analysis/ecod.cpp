// ECOD (see ecod.h).
//
// Fit: one task per block of features gathers each column of the kept rows, takes its central
// moments in double (two passes: the mean, then m2 and m3) and sorts it.
// Score: -ln(max(c, 1) / N) for every count c in [0, N] is tabulated once, so a value costs two
// binary searches and two lookups. Rows go in blocks of kRowBlock, and within a block feature by
// feature, so one sorted column (4N bytes) serves the whole block from cache instead of every row
// walking all d columns; each row still adds its features in order j = 0, 1, ..., so the sums do
// not depend on the blocking or the thread count.
// Measured (Release, 2 threads, 2-core AMD EPYC shared with other builds, Fashion-MNIST 10000 x
// 784): fit 0.12 s, scoring 10000 rows 0.32-0.37 s (the numpy reference: 1.0 s).
#include "apps/analysis/ecod.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "apps/analysis/kmeans.h"  // detail::first_nonfinite_row
#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::analysis {
namespace {

namespace host = hg::host;

constexpr int64_t kRowBlock = 256;        // rows scored together, feature by feature
constexpr double kSymmetricSkew = 1e-10;  // |g| at or below this counts as no skew

std::string s(int64_t v) { return std::to_string(v); }

// The rows to keep: all of [0, n) when n <= max_rows, else max_rows of them drawn without
// replacement (a partial Fisher-Yates shuffle), ascending.
std::vector<int64_t> kept_rows(int64_t n, int64_t max_rows, uint64_t seed) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[i] = i;
  if (n <= max_rows) return rows;
  Rng rng(seed);
  for (int64_t i = 0; i < max_rows; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - i)));
    std::swap(rows[i], rows[j]);
  }
  rows.resize(static_cast<size_t>(max_rows));
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The sign of the sample skewness of v (see ecod.h for the conventions).
int8_t skew_sign_of(const float* v, int64_t n) {
  double mean = 0.0;
  for (int64_t i = 0; i < n; ++i) mean += v[i];
  mean /= static_cast<double>(n);
  double m2 = 0.0, m3 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double c = v[i] - mean;
    m2 += c * c;
    m3 += c * c * c;
  }
  m2 /= static_cast<double>(n);
  m3 /= static_cast<double>(n);
  if (!(m2 > 0.0)) return 0;
  const double g = m3 / std::pow(m2, 1.5);
  if (std::fabs(g) <= kSymmetricSkew) return 0;
  return g > 0 ? 1 : -1;
}

}  // namespace

Ecod Ecod::fit(const float* X, int64_t n, int64_t d, const EcodOptions& opt) {
  if (n < 2) throw Error("ECOD: needs at least 2 samples, got " + s(n));
  if (d < 1) throw Error("ECOD: needs at least 1 feature, got " + s(d));
  if (!X) throw Error("ECOD: no data");
  if (opt.max_rows < 2) throw Error("ECOD: max_rows must be >= 2 (got " + s(opt.max_rows) + ")");
  if (const int64_t bad = detail::first_nonfinite_row(X, n, d); bad < n)
    throw Error("ECOD: row " + s(bad) + " has a NaN or infinity");

  const std::vector<int64_t> rows = kept_rows(n, opt.max_rows, opt.seed);
  const int64_t N = static_cast<int64_t>(rows.size());
  Ecod e;
  e.n = N;
  e.d = d;
  e.sorted.resize(static_cast<size_t>(N * d));
  e.skew_sign.resize(static_cast<size_t>(d));
  host::parallel_for(0, d, std::max<int64_t>(1, 65536 / N), [&](int64_t lo, int64_t hi) {
    for (int64_t j = lo; j < hi; ++j) {
      float* col = e.sorted.data() + j * N;
      for (int64_t i = 0; i < N; ++i) col[i] = X[rows[i] * d + j];
      e.skew_sign[j] = skew_sign_of(col, N);
      std::sort(col, col + N);
    }
  });
  return e;
}

std::vector<double> Ecod::score(const float* Y, int64_t m) const {
  if (n < 1 || d < 1) throw Error("ECOD: score called before fit");
  if (sorted.size() != static_cast<size_t>(n * d) || skew_sign.size() != static_cast<size_t>(d))
    throw Error("ECOD: inconsistent array sizes in the fitted model");
  for (int64_t j = 0; j < d; ++j)
    if (skew_sign[j] < -1 || skew_sign[j] > 1)
      throw Error("ECOD: skew sign of feature " + s(j) + " is not -1, 0 or 1");
  if (m < 0) throw Error("ECOD: negative row count");
  std::vector<double> out(static_cast<size_t>(m), 0.0);
  if (m == 0) return out;
  if (!Y) throw Error("ECOD: no data to score");
  if (const int64_t bad = detail::first_nonfinite_row(Y, m, d); bad < m)
    throw Error("ECOD: row " + s(bad) + " to score has a NaN or infinity");

  std::vector<double> tail(static_cast<size_t>(n + 1));  // tail[c] = -ln(max(c, 1) / N)
  for (int64_t c = 0; c <= n; ++c)
    tail[c] = -std::log(static_cast<double>(std::max<int64_t>(c, 1)) / static_cast<double>(n));
  const int64_t blocks = (m + kRowBlock - 1) / kRowBlock;
  host::parallel_for_dynamic(0, blocks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      const int64_t r0 = b * kRowBlock, r1 = std::min(m, r0 + kRowBlock);
      for (int64_t j = 0; j < d; ++j) {
        const float* col = sorted.data() + j * n;
        const int8_t sj = skew_sign[j];
        for (int64_t r = r0; r < r1; ++r) {
          const float x = Y[r * d + j];
          const int64_t le = std::upper_bound(col, col + n, x) - col;        // #{values <= x}
          const int64_t ge = n - (std::lower_bound(col, col + n, x) - col);  // #{values >= x}
          const double ul = tail[le], ur = tail[ge];
          const double uskew = sj < 0 ? ul : sj > 0 ? ur : ul + ur;
          out[r] += std::max(std::max(ul, ur), uskew);
        }
      }
    }
  });
  return out;
}

}  // namespace hg::analysis
