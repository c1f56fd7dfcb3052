// ECOD, outlier detection from empirical cumulative distribution functions (Li, Zhao, Hu,
// Botta, Ionescu & Chen 2022, as in PyOD), on float32 data, with the tails taken from the fit
// rows only (PyOD's decision_function re-fits the tails on the fit rows plus the rows it scores):
//
//   Ecod e = Ecod::fit(X, n, d);              // X: [n, d] row-major, one sample per row
//   std::vector<double> s = e.score(Y, m);    // [m], higher = more anomalous
//
// For feature j, with the fit column's N values (N = rows kept, see max_rows):
//   F_l(x) = max(#{values <= x}, 1) / N,   F_r(x) = max(#{values >= x}, 1) / N,
//   U_l = -ln F_l,   U_r = -ln F_r,
//   U_skew = U_l if s_j < 0, U_r if s_j > 0, U_l + U_r if s_j = 0,
// s_j the sign of the column's sample skewness g = m3 / m2^1.5 (central moments divided by N);
// s_j = 0 for a constant column (m2 = 0) and for |g| <= 1e-10 (the rounding noise of a
// symmetric column). score = sum over j of max(U_l, U_r, U_skew): a value at its column's median
// adds about ln 2 (2 ln 2 when s_j = 0), a value beyond the column's range adds ln N.
// Scoring costs two binary searches per value, O(m d log N). Results do not depend on the thread
// count.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

struct EcodOptions {
  int64_t max_rows =
      20000;          // fit on at most this many rows (a uniform sample when n is larger), >= 2
  uint64_t seed = 0;  // the sample's draw (through hg::Rng); unused when n <= max_rows
};

// A fitted model: plain data, so it can be written out and read back field by field.
struct Ecod {
  int64_t n = 0;                  // rows kept (N above)
  int64_t d = 0;                  // features
  std::vector<float> sorted;      // [d, n]: column j's kept values ascending at sorted[j * n ...]
  std::vector<int8_t> skew_sign;  // [d] s_j in {-1, 0, 1}

  // Sorts the columns of X [n, d] (or of max_rows rows drawn without replacement when n is
  // larger) and takes their skewness signs. Throws hg::Error (one line) for n < 2, d < 1,
  // max_rows < 2, or a NaN / infinity in X (naming the first such row).
  static Ecod fit(const float* X, int64_t n, int64_t d, const EcodOptions& opt = {});

  // The scores of the m rows of Y [m, d] (m may be 0). Throws hg::Error for an unfitted or
  // inconsistent model (array sizes, skew signs outside {-1, 0, 1}; the columns' order is
  // trusted, not checked) or a NaN / infinity in Y (naming the row).
  std::vector<double> score(const float* Y, int64_t m) const;
};

}  // namespace hg::analysis
