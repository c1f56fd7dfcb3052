// Row softmax, softmax cross-entropy (forward and backward) and row argmax on the CPU.
//
// Idea: a classification loss is a per-row log-sum-exp. Each row is walked twice from L1 (C <=
// ~1000 classes is 4 KB): pass 1 finds the row max m (exact), pass 2 sums exp(z - m) in double;
// every exponent is <= 0, so z = +-1000 cannot overflow. The cross-entropy is then
//   loss_i = (m_i - z[i, label_i]) + log s_i      (the difference taken in double: no cancellation
//                                                   of two large, nearly equal floats),
// and only (m_i, s_i) are saved for the backward, which recomputes p = exp(z - m) / s in the same
// pass that writes dz = (g / B) (p - onehot): one read of z, one write of dz, no [B, C] temporary.
// Rows are independent, so the loops run in parallel over rows; per-row results never depend on the
// thread count.
// Bytes / FLOPs per element: CE forward reads 4 B (twice, the second from cache) and does one expf,
// a compare and a double add; CE backward reads 4 B, writes 4 B, one expf and 3 FLOPs; softmax
// forward also writes 4 B; softmax backward reads 8 B (y, g) twice and writes 4 B. expf bound on
// cached rows, memory bound beyond the last-level cache.
// Measured: not benchmarked yet.
#include "kernels/cpu/softmax_ce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu {
namespace {

constexpr int64_t kGrain = 32768;  // elements per parallel chunk

int64_t row_grain(int64_t cols) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1));
}

// m = max_j z[j] (NaNs skipped, as fmax), s = sum_j exp(z[j] - m) in double.
inline void row_stats(const float* z, int64_t cols, float* m_out, double* s_out) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < cols; ++j) m = std::fmax(m, z[j]);
  double s = 0.0;
  for (int64_t j = 0; j < cols; ++j) s += static_cast<double>(std::exp(z[j] - m));
  *m_out = m;
  *s_out = s;
}

// Is (a, ia) a better argmax candidate than (b, ib)? NaN beats numbers, ties go to the lower index.
inline bool better(float a, int64_t ia, float b, int64_t ib) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na != nb) return na;
  if (!na && a != b) return a > b;
  return ia < ib;
}

}  // namespace

void softmax_ce_forward(const float* z, const int32_t* labels, float* loss_row, float* stats,
                        int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  parallel_for(0, rows, row_grain(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* zi = z + i * cols;
      float m;
      double s;
      row_stats(zi, cols, &m, &s);
      stats[2 * i] = m;
      stats[2 * i + 1] = static_cast<float>(s);
      const double zl = zi[labels[i]];
      loss_row[i] = static_cast<float>((static_cast<double>(m) - zl) + std::log(s));
    }
  });
}

void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats, float g,
                         float* dz, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  const float scale = g / static_cast<float>(rows);
  parallel_for(0, rows, row_grain(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* zi = z + i * cols;
      float* di = dz + i * cols;
      const float m = stats[2 * i];
      const float inv = 1.0f / stats[2 * i + 1];
      for (int64_t j = 0; j < cols; ++j) di[j] = scale * (std::exp(zi[j] - m) * inv);
      const int64_t l = labels[i];
      di[l] = scale * (std::exp(zi[l] - m) * inv - 1.0f);
    }
  });
}

void softmax_rows(const float* z, float* y, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  parallel_for(0, rows, row_grain(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* zi = z + i * cols;
      float* yi = y + i * cols;
      float m;
      double s;
      row_stats(zi, cols, &m, &s);
      const float inv = 1.0f / static_cast<float>(s);
      for (int64_t j = 0; j < cols; ++j) yi[j] = std::exp(zi[j] - m) * inv;
    }
  });
}

void softmax_rows_backward(const float* y, const float* g, float* dz, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  parallel_for(0, rows, row_grain(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* yi = y + i * cols;
      const float* gi = g + i * cols;
      float* di = dz + i * cols;
      double dot = 0.0;
      for (int64_t j = 0; j < cols; ++j) dot += static_cast<double>(gi[j]) * yi[j];
      const float d = static_cast<float>(dot);
      for (int64_t j = 0; j < cols; ++j) di[j] = yi[j] * (gi[j] - d);
    }
  });
}

void argmax_rows(const float* x, int32_t* idx, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  parallel_for(0, rows, row_grain(cols), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* xi = x + i * cols;
      int64_t best = 0;
      for (int64_t j = 1; j < cols; ++j)
        if (better(xi[j], j, xi[best], best)) best = j;
      idx[i] = static_cast<int32_t>(best);
    }
  });
}

}  // namespace hg::kernels::cpu
