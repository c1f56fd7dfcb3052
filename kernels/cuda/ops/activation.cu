// Elementwise activations on the GPU, forward and backward.
//
// Idea: one formula per element through the shared quad map (common.cuh: float4 when aligned,
// grid-stride). Each activation is its own instantiation, so the switch on the kind happens once on
// the host, never per element. The formulas are kernels/common/activation.h's, the ones the CPU
// kernels use: sigmoid = 1 / (1 + fast_exp(-x)), softplus = max(x,0) + log1p(e^{-|x|}),
// softplus' = sigmoid(x); products that feed an add are rounded first (no FMA), as on the CPU.
// Bytes / FLOPs per element: forward 8 B (read x, write y); backward 12 B (read x or y, and dy;
// write dx). ReLU/LeakyReLU ~1 FLOP; sigmoid/tanh/softplus one expf/tanhf/log1pf (~10-20
// instructions), still far below the ~20 FLOP/byte at which an H100 stops being bandwidth bound.
// act_derivative (f' through the output y: 8 B, 1-2 FLOPs) and its y-derivative (12 B, 2 FLOPs)
// are bandwidth bound like ReLU; not benchmarked yet.
// Measured (H200, 2026-11-30, bench_bandwidth_cuda): ReLU 3.91 TB/s, sigmoid 3.68 TB/s on
// 65536x784,
//   96% / 91% of a device-to-device copy.
#include "kernels/cuda/ops/activation.h"

#include "kernels/common/activation.h"

#include "kernels/cuda/ops/common.cuh"
#include "kernels/cuda/ops/elementwise.h"

namespace hg::kernels::cuda {
namespace {

using ops_detail::launch_map;

struct ReluF {
  __device__ float operator()(float x) const { return actfn::relu(x); }
};
struct LeakyF {
  float alpha;
  __device__ float operator()(float x) const { return actfn::leaky_relu(x, alpha); }
};
struct SigmoidF {
  __device__ float operator()(float x) const { return actfn::sigmoid(x); }
};
struct TanhF {
  __device__ float operator()(float x) const { return actfn::tanh(x); }
};
struct SoftplusF {
  __device__ float operator()(float x) const { return actfn::softplus(x); }
};

// Backward functors take (x or y, dy).
struct ReluB {
  __device__ float operator()(float x, float dy) const { return actfn::relu_grad(x, dy); }
};
struct LeakyB {
  float alpha;
  __device__ float operator()(float x, float dy) const {
    return actfn::leaky_relu_grad(x, dy, alpha);
  }
};
struct SigmoidB {
  __device__ float operator()(float y, float dy) const { return actfn::sigmoid_grad(y, dy); }
};
struct TanhB {
  __device__ float operator()(float y, float dy) const { return actfn::tanh_grad(y, dy); }
};
struct SoftplusB {
  __device__ float operator()(float x, float dy) const { return actfn::softplus_grad(x, dy); }
};

// f'(pre-activation) through y, and g * d/dy of it.
struct ReluD {
  __device__ float operator()(float y) const { return actfn::relu_deriv(y); }
};
struct LeakyD {
  float alpha;
  __device__ float operator()(float y) const { return actfn::leaky_relu_deriv(y, alpha); }
};
struct SigmoidD {
  __device__ float operator()(float y) const { return actfn::sigmoid_deriv(y); }
};
struct TanhD {
  __device__ float operator()(float y) const { return actfn::tanh_deriv(y); }
};

}  // namespace

void act_forward(Act act, const float* x, float* y, int64_t n, float alpha, cudaStream_t stream) {
  if (n <= 0) return;
  switch (act) {
    case Act::None: copy(x, y, n, stream); return;
    case Act::ReLU: launch_map<1>(x, nullptr, nullptr, y, n, ReluF{}, stream); return;
    case Act::LeakyReLU: launch_map<1>(x, nullptr, nullptr, y, n, LeakyF{alpha}, stream); return;
    case Act::Sigmoid: launch_map<1>(x, nullptr, nullptr, y, n, SigmoidF{}, stream); return;
    case Act::Tanh: launch_map<1>(x, nullptr, nullptr, y, n, TanhF{}, stream); return;
    case Act::Softplus: launch_map<1>(x, nullptr, nullptr, y, n, SoftplusF{}, stream); return;
  }
}

void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha, cudaStream_t stream) {
  if (n <= 0) return;
  switch (act) {
    case Act::None: copy(dy, dx, n, stream); return;
    case Act::ReLU: launch_map<2>(x, dy, nullptr, dx, n, ReluB{}, stream); return;
    case Act::LeakyReLU: launch_map<2>(x, dy, nullptr, dx, n, LeakyB{alpha}, stream); return;
    case Act::Sigmoid: launch_map<2>(y, dy, nullptr, dx, n, SigmoidB{}, stream); return;
    case Act::Tanh: launch_map<2>(y, dy, nullptr, dx, n, TanhB{}, stream); return;
    case Act::Softplus: launch_map<2>(x, dy, nullptr, dx, n, SoftplusB{}, stream); return;
  }
}

void act_derivative(Act act, const float* y, float* d, int64_t n, float alpha,
                    cudaStream_t stream) {
  if (act == Act::Softplus)
    throw Error("act_derivative: softplus' cannot be written through its output");
  if (n <= 0) return;
  switch (act) {
    case Act::None: fill(d, 1.0f, n, stream); return;
    case Act::ReLU: launch_map<1>(y, nullptr, nullptr, d, n, ReluD{}, stream); return;
    case Act::LeakyReLU: launch_map<1>(y, nullptr, nullptr, d, n, LeakyD{alpha}, stream); return;
    case Act::Sigmoid: launch_map<1>(y, nullptr, nullptr, d, n, SigmoidD{}, stream); return;
    case Act::Tanh: launch_map<1>(y, nullptr, nullptr, d, n, TanhD{}, stream); return;
    case Act::Softplus: return;
  }
}

}  // namespace hg::kernels::cuda
