// Elementwise activations, forward and backward.
//
// Idea: one independent formula per element, so the loop splits freely over threads (chunks of
// 32K elements; smaller tensors stay on the calling thread) and vectorises (simd_for: AVX-512,
// AVX2 or SSE chosen at load time; sigmoid through the inline fast_exp, not libm).
// Bytes/FLOPs per element: forward reads 4 B and writes 4 B; backward reads 8 B (x or y, and dy)
// and writes 4 B. ReLU/LeakyReLU cost ~1 FLOP, so they are purely memory-bandwidth bound.
// Sigmoid costs ~20 FLOPs (fast_exp's polynomial and a division) and still streams at memory
// speed once vectorised; Tanh/Softplus call libm (tanh, log1p) and stay scalar, compute bound on
// cached data. Stability: sigmoid = 1/(1 + e^-x) is 0 or 1 at the extremes, never NaN;
// softplus = max(x,0) + log1p(e^{-|x|}); softplus' = sigmoid(x).
// act_derivative (f' through the output y) and its y-derivative are 8 B / 1-2 FLOPs per element:
// memory bound like ReLU.
#include "kernels/cpu/activation.h"

#include "engine/util/error.h"

#include "kernels/cpu/act_scalar.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/simd_loop.h"

namespace hg::kernels::cpu {
namespace {
template <class F>
void par(int64_t n, F f) {
  detail::parallel_simd_for(n, f);
}
}  // namespace

void act_forward(Act act, const float* x, float* y, int64_t n, float alpha) {
  switch (act) {
    case Act::None:
      if (x != y) par(n, [=](int64_t i) HG_INLINE { y[i] = x[i]; });
      return;
    case Act::ReLU:
      par(n, [=](int64_t i) HG_INLINE { y[i] = x[i] > 0.0f ? x[i] : 0.0f; });
      return;
    case Act::LeakyReLU:
      par(n, [=](int64_t i) HG_INLINE { y[i] = x[i] > 0.0f ? x[i] : alpha * x[i]; });
      return;
    case Act::Sigmoid:
      par(n, [=](int64_t i) HG_INLINE { y[i] = detail::sigmoid(x[i]); });
      return;
    case Act::Tanh:
      par(n, [=](int64_t i) HG_INLINE { y[i] = std::tanh(x[i]); });
      return;
    case Act::Softplus:
      par(n, [=](int64_t i) HG_INLINE { y[i] = detail::softplus(x[i]); });
      return;
  }
}

void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha) {
  switch (act) {
    case Act::None:
      if (dx != dy) par(n, [=](int64_t i) HG_INLINE { dx[i] = dy[i]; });
      return;
    case Act::ReLU:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = x[i] > 0.0f ? dy[i] : 0.0f; });
      return;
    case Act::LeakyReLU:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = x[i] > 0.0f ? dy[i] : alpha * dy[i]; });
      return;
    case Act::Sigmoid:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = dy[i] * y[i] * (1.0f - y[i]); });
      return;
    case Act::Tanh:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = dy[i] * (1.0f - y[i] * y[i]); });
      return;
    case Act::Softplus:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = dy[i] * detail::sigmoid(x[i]); });
      return;
  }
}

void act_derivative(Act act, const float* y, float* d, int64_t n, float alpha) {
  switch (act) {
    case Act::None:
      par(n, [=](int64_t i) HG_INLINE { d[i] = 1.0f; });
      return;
    case Act::ReLU:
      par(n, [=](int64_t i) HG_INLINE { d[i] = y[i] > 0.0f ? 1.0f : 0.0f; });
      return;
    case Act::LeakyReLU:
      par(n, [=](int64_t i) HG_INLINE { d[i] = y[i] > 0.0f ? 1.0f : alpha; });
      return;
    case Act::Sigmoid:
      par(n, [=](int64_t i) HG_INLINE { d[i] = y[i] * (1.0f - y[i]); });
      return;
    case Act::Tanh:
      par(n, [=](int64_t i) HG_INLINE { d[i] = 1.0f - y[i] * y[i]; });
      return;
    case Act::Softplus:
      throw Error("act_derivative: softplus' cannot be written through its output");
  }
}

void act_derivative_backward(Act act, const float* y, const float* g, float* dy, int64_t n) {
  switch (act) {
    case Act::None:
    case Act::ReLU:
    case Act::LeakyReLU:
      par(n, [=](int64_t i) HG_INLINE { dy[i] = 0.0f; });
      return;
    case Act::Sigmoid:
      par(n, [=](int64_t i) HG_INLINE { dy[i] = g[i] * (1.0f - 2.0f * y[i]); });
      return;
    case Act::Tanh:
      par(n, [=](int64_t i) HG_INLINE { dy[i] = g[i] * (-2.0f * y[i]); });
      return;
    case Act::Softplus:
      throw Error("act_derivative: softplus' cannot be written through its output");
  }
}

}  // namespace hg::kernels::cpu
