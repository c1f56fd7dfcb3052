// Elementwise activations on the GPU, forward and backward.
//
// Idea: one formula per element through the shared quad map (common.cuh: float4 when aligned,
// grid-stride). Each activation is its own instantiation, so the switch on the kind happens once on
// the host, never per element (visit_act over the row table). The formulas are
// kernels/common/activation.h's rows, the ones the CPU kernels use: sigmoid = 1 / (1 +
// fast_exp(-x)), softplus = max(x,0) + log1p(e^{-|x|}), softplus' = sigmoid(x); products that feed
// an add are rounded first (no FMA), as on the CPU. Bytes / FLOPs per element: forward 8 B (read x,
// write y); backward 12 B (read x or y, and dy; write dx). ReLU/LeakyReLU ~1 FLOP;
// sigmoid/tanh/softplus one expf/tanhf/log1pf (~10-20 instructions), still far below the ~20
// FLOP/byte at which an H100 stops being bandwidth bound. act_derivative (f' through the output y:
// 8 B, 1-2 FLOPs) and its y-derivative (12 B, 2 FLOPs) are bandwidth bound like ReLU; not
// benchmarked yet. Measured (H200, 2026-11-30, bench_bandwidth_cuda): ReLU 3.91 TB/s, sigmoid 3.68
// TB/s on 65536x784,
//   96% / 91% of a device-to-device copy.
#include "kernels/cuda/ops/activation.h"

#include <string>

#include "kernels/common/activation.h"

#include "kernels/cuda/ops/common.cuh"
#include "kernels/cuda/ops/elementwise.h"

namespace hg::kernels::cuda {
namespace {

using ops_detail::launch_map;

// The row's formulas as the functors the quad map applies (f; grad on x or y and dy; deriv).
template <class R>
struct Forward {
  float slope;
  __device__ float operator()(float x) const { return R::f(x, slope); }
};
template <class R>
struct Backward {
  float slope;
  __device__ float operator()(float v, float dy) const { return R::grad(v, dy, slope); }
};
template <class R>
struct Derivative {
  float slope;
  __device__ float operator()(float y) const { return R::deriv(y, slope); }
};

}  // namespace

void act_forward(Act act, const float* x, float* y, int64_t n, float alpha, cudaStream_t stream) {
  if (n <= 0) return;
  if (act == Act::None) return copy(x, y, n, stream);
  visit_act(act, [&](auto row) {
    using R = decltype(row);
    launch_map<1>(x, nullptr, nullptr, y, n, Forward<R>{alpha}, stream);
  });
}

void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha, cudaStream_t stream) {
  if (n <= 0) return;
  if (act == Act::None) return copy(dy, dx, n, stream);
  visit_act(act, [&](auto row) {
    using R = decltype(row);
    launch_map<2>(R::through_output ? y : x, dy, nullptr, dx, n, Backward<R>{alpha}, stream);
  });
}

void act_derivative(Act act, const float* y, float* d, int64_t n, float alpha,
                    cudaStream_t stream) {
  if (!act_has_deriv(act))
    throw Error(
        "act_derivative: the derivative of this activation is not a function of its output");
  visit_act(act, [&](auto row) {
    using R = decltype(row);
    if constexpr (R::has_deriv) {
      if (n <= 0) return;
      if (act == Act::None) return fill(d, 1.0f, n, stream);
      launch_map<1>(y, nullptr, nullptr, d, n, Derivative<R>{alpha}, stream);
    }
  });
}

}  // namespace hg::kernels::cuda
