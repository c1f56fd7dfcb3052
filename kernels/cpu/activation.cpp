// Elementwise activations, forward and backward (the formulas: kernels/common/activation.h).
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

#include <string>

#include "kernels/common/error.h"

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
  if (act == Act::None) {
    if (x != y) par(n, [=](int64_t i) HG_INLINE { y[i] = x[i]; });
    return;
  }
  visit_act(act, [&](auto row) {
    using R = decltype(row);
    par(n, [=](int64_t i) HG_INLINE { y[i] = R::f(x[i], alpha); });
  });
}

void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha) {
  if (act == Act::None) {
    if (dx != dy) par(n, [=](int64_t i) HG_INLINE { dx[i] = dy[i]; });
    return;
  }
  visit_act(act, [&](auto row) {
    using R = decltype(row);
    const float* v = R::through_output ? y : x;
    par(n, [=](int64_t i) HG_INLINE { dx[i] = R::grad(v[i], dy[i], alpha); });
  });
}

void act_derivative(Act act, const float* y, float* d, int64_t n, float alpha) {
  if (!act_has_deriv(act))
    throw Error(
        "act_derivative: the derivative of this activation is not a function of its output");
  visit_act(act, [&](auto row) {
    using R = decltype(row);
    if constexpr (R::has_deriv) {
      par(n, [=](int64_t i) HG_INLINE { d[i] = R::deriv(y[i], alpha); });
    }
  });
}

}  // namespace hg::kernels::cpu
