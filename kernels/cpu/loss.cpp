// Losses (MSE, BCE on probabilities, BCE on logits) and the fused per-sample reconstruction error.
//
// Idea: a loss is an elementwise term followed by a mean. The forward passes use the blocked,
// thread-count-independent double reduction (reduce_blocks.h); the backward passes are pure
// elementwise loops. Per element: forward reads 8 bytes (p, t) and does 3 FLOPs (MSE) or two
// logs (BCE) / one exp + log1p (BCE-with-logits); backward also writes 4 bytes. MSE is memory
// bound; the BCE variants are bound by libm on cached data.
// recon_error is the scoring kernel of the anomaly detector: ONE pass over x and r, parallel over
// rows, each row's mean accumulated in double, the per-feature error written in the same pass (no
// temporaries). Stability: BCE clamps p to [eps, 1-eps] (zero gradient where clamped);
// BCE-with-logits uses max(z,0) - z t + log1p(e^{-|z|}), finite for any z.
#include "kernels/cpu/loss.h"

#include <algorithm>
#include <cmath>

#include "kernels/common/loss_terms.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/reduce_blocks.h"
#include "kernels/cpu/simd_loop.h"

namespace hg::kernels::cpu {
namespace {

constexpr int64_t kGrain = 32768;

// The terms e(target, prediction) and their derivatives: kernels/common/loss_terms.h.
constexpr auto mse_e = [](float t, float p) HG_INLINE { return lossfn::mse(t, p); };
constexpr auto mse_d = [](float t, float p) HG_INLINE { return lossfn::mse_d(t, p); };
constexpr auto bce_e = [](float t, float p) HG_INLINE { return lossfn::bce(t, p); };
constexpr auto bce_d = [](float t, float p) HG_INLINE { return lossfn::bce_d(t, p); };
constexpr auto bcel_e = [](float t, float z) HG_INLINE { return lossfn::bce_logits(t, z); };
constexpr auto bcel_d = [](float t, float z) HG_INLINE { return lossfn::bce_logits_d(t, z); };

template <class E>
double mean_of(const float* p, const float* t, int64_t n, E e) {
  if (n <= 0) return 0.0;
  return detail::reduce_sum(n, [&](int64_t i) { return static_cast<double>(e(t[i], p[i])); }) /
         static_cast<double>(n);
}

template <class D>
void grad_of(const float* p, const float* t, float g, float* dp, int64_t n, D d) {
  if (n <= 0) return;
  const float s = g / static_cast<float>(n);
  parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
    detail::simd_for(lo, hi, [=](int64_t i) HG_INLINE { dp[i] = s * d(t[i], p[i]); });
  });
}

template <class E>
void recon_rows(const float* x, const float* r, float* row_err, float* feat_err, int64_t rows,
                int64_t cols, E e) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1));
  parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* xi = x + i * cols;
      const float* ri = r + i * cols;
      double s;
      if (feat_err) {
        float* fi = feat_err + i * cols;
        s = detail::block_sum(0, cols, [&](int64_t j) {
          const float v = e(xi[j], ri[j]);
          fi[j] = v;
          return static_cast<double>(v);
        });
      } else {
        s = detail::block_sum(0, cols,
                              [&](int64_t j) { return static_cast<double>(e(xi[j], ri[j])); });
      }
      row_err[i] = cols > 0 ? static_cast<float>(s / static_cast<double>(cols)) : 0.0f;
    }
  });
}

template <class D>
void recon_rows_backward(const float* x, const float* r, const float* g_row, float* dr,
                         int64_t rows, int64_t cols, D d) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1));
  const float inv = cols > 0 ? 1.0f / static_cast<float>(cols) : 0.0f;
  parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float s = g_row[i] * inv;
      const float* xi = x + i * cols;
      const float* ri = r + i * cols;
      float* di = dr + i * cols;
      detail::simd_for(0, cols, [=](int64_t j) HG_INLINE { di[j] = s * d(xi[j], ri[j]); });
    }
  });
}

}  // namespace

double mse_forward(const float* p, const float* t, int64_t n) { return mean_of(p, t, n, mse_e); }
void mse_backward(const float* p, const float* t, float g, float* dp, int64_t n) {
  grad_of(p, t, g, dp, n, mse_d);
}

double bce_forward(const float* p, const float* t, int64_t n) { return mean_of(p, t, n, bce_e); }
void bce_backward(const float* p, const float* t, float g, float* dp, int64_t n) {
  grad_of(p, t, g, dp, n, bce_d);
}

double bce_logits_forward(const float* z, const float* t, int64_t n) {
  return mean_of(z, t, n, bcel_e);
}
void bce_logits_backward(const float* z, const float* t, float g, float* dz, int64_t n) {
  grad_of(z, t, g, dz, n, bcel_d);
}

void recon_error(ReconKind kind, const float* x, const float* r, float* row_err, float* feat_err,
                 int64_t rows, int64_t cols) {
  if (rows <= 0) return;
  switch (kind) {
    case ReconKind::MSE: recon_rows(x, r, row_err, feat_err, rows, cols, mse_e); return;
    case ReconKind::BCE: recon_rows(x, r, row_err, feat_err, rows, cols, bce_e); return;
    case ReconKind::BCELogits: recon_rows(x, r, row_err, feat_err, rows, cols, bcel_e); return;
  }
}

void recon_error_backward(ReconKind kind, const float* x, const float* r, const float* g_row,
                          float* dr, int64_t rows, int64_t cols) {
  if (rows <= 0) return;
  switch (kind) {
    case ReconKind::MSE: recon_rows_backward(x, r, g_row, dr, rows, cols, mse_d); return;
    case ReconKind::BCE: recon_rows_backward(x, r, g_row, dr, rows, cols, bce_d); return;
    case ReconKind::BCELogits: recon_rows_backward(x, r, g_row, dr, rows, cols, bcel_d); return;
  }
}

}  // namespace hg::kernels::cpu
