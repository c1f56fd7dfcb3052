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
  switch (act) {
    case Act::None:
      if (x != y) par(n, [=](int64_t i) HG_INLINE { y[i] = x[i]; });
      return;
    case Act::ReLU: par(n, [=](int64_t i) HG_INLINE { y[i] = actfn::relu(x[i]); }); return;
    case Act::LeakyReLU:
      par(n, [=](int64_t i) HG_INLINE { y[i] = actfn::leaky_relu(x[i], alpha); });
      return;
    case Act::Sigmoid: par(n, [=](int64_t i) HG_INLINE { y[i] = actfn::sigmoid(x[i]); }); return;
    case Act::Tanh: par(n, [=](int64_t i) HG_INLINE { y[i] = actfn::tanh(x[i]); }); return;
    case Act::Softplus: par(n, [=](int64_t i) HG_INLINE { y[i] = actfn::softplus(x[i]); }); return;
  }
}

void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha) {
  switch (act) {
    case Act::None:
      if (dx != dy) par(n, [=](int64_t i) HG_INLINE { dx[i] = dy[i]; });
      return;
    case Act::ReLU:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = actfn::relu_grad(x[i], dy[i]); });
      return;
    case Act::LeakyReLU:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = actfn::leaky_relu_grad(x[i], dy[i], alpha); });
      return;
    case Act::Sigmoid:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = actfn::sigmoid_grad(y[i], dy[i]); });
      return;
    case Act::Tanh:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = actfn::tanh_grad(y[i], dy[i]); });
      return;
    case Act::Softplus:
      par(n, [=](int64_t i) HG_INLINE { dx[i] = actfn::softplus_grad(x[i], dy[i]); });
      return;
  }
}

void act_derivative(Act act, const float* y, float* d, int64_t n, float alpha) {
  switch (act) {
    case Act::None: par(n, [=](int64_t i) HG_INLINE { d[i] = 1.0f; }); return;
    case Act::ReLU: par(n, [=](int64_t i) HG_INLINE { d[i] = actfn::relu_deriv(y[i]); }); return;
    case Act::LeakyReLU:
      par(n, [=](int64_t i) HG_INLINE { d[i] = actfn::leaky_relu_deriv(y[i], alpha); });
      return;
    case Act::Sigmoid:
      par(n, [=](int64_t i) HG_INLINE { d[i] = actfn::sigmoid_deriv(y[i]); });
      return;
    case Act::Tanh: par(n, [=](int64_t i) HG_INLINE { d[i] = actfn::tanh_deriv(y[i]); }); return;
    case Act::Softplus:
      throw Error("act_derivative: softplus' cannot be written through its output");
  }
}

}  // namespace hg::kernels::cpu
