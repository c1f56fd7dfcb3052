// The activations: one formula each, for the CPU kernels (kernels/cpu/activation.cpp, the CPU
// GEMM epilogue, the losses), the CUDA kernels (kernels/cuda/ops/activation.cu) and the CUDA GEMM
// and conv epilogues alike, so the device families cannot drift apart.
//
// Stability: sigmoid = 1 / (1 + e^-x) through fast_exp: 0 or 1 at the extremes, never NaN for a
// finite x, and branch-free so CPU loops over it vectorise. softplus = max(x, 0) + log1p(e^-|x|),
// finite for any x; softplus' = sigmoid. Products that feed an add are rounded on their own
// (mul_rn) so the GPU, where nvcc contracts to FMA, gives the CPU's bits.
// "grad" forms are dL/dx from dy (through x or the forward output y); "deriv" forms are f'(x)
// written through y (the exact Jacobian of an MLP needs them) and "deriv_grad" g * d f'(y) / dy.
#pragma once
#include <cmath>

#include "kernels/common/fast_exp.h"
#include "kernels/common/host_device.h"

namespace hg::kernels {

enum class Act { None, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus };

namespace actfn {

HG_HOST_DEVICE float relu(float x) { return x > 0.0f ? x : 0.0f; }
HG_HOST_DEVICE float leaky_relu(float x, float slope) { return x > 0.0f ? x : slope * x; }
HG_HOST_DEVICE float sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }
HG_HOST_DEVICE float tanh(float x) { return ::tanhf(x); }
HG_HOST_DEVICE float softplus(float x) {
  return (x < 0.0f ? 0.0f : x) + ::log1pf(::expf(-::fabsf(x)));  // std::max(x, 0)'s NaN rule
}

HG_HOST_DEVICE float relu_grad(float x, float dy) { return x > 0.0f ? dy : 0.0f; }
HG_HOST_DEVICE float leaky_relu_grad(float x, float dy, float slope) {
  return x > 0.0f ? dy : slope * dy;
}
HG_HOST_DEVICE float sigmoid_grad(float y, float dy) { return mul_rn(dy, y) * (1.0f - y); }
HG_HOST_DEVICE float tanh_grad(float y, float dy) { return dy * (1.0f - mul_rn(y, y)); }
HG_HOST_DEVICE float softplus_grad(float x, float dy) { return dy * sigmoid(x); }

HG_HOST_DEVICE float relu_deriv(float y) { return y > 0.0f ? 1.0f : 0.0f; }
HG_HOST_DEVICE float leaky_relu_deriv(float y, float slope) { return y > 0.0f ? 1.0f : slope; }
HG_HOST_DEVICE float sigmoid_deriv(float y) { return y * (1.0f - y); }
HG_HOST_DEVICE float tanh_deriv(float y) { return 1.0f - mul_rn(y, y); }

// The activation picked at run time, for epilogues (the elementwise kernels switch once outside
// their loops instead). slope: LeakyReLU's negative slope.
HG_HOST_DEVICE float apply(Act a, float x, float slope) {
  switch (a) {
    case Act::None: return x;
    case Act::ReLU: return relu(x);
    case Act::LeakyReLU: return leaky_relu(x, slope);
    case Act::Sigmoid: return sigmoid(x);
    case Act::Tanh: return tanh(x);
    case Act::Softplus: return softplus(x);
  }
  return x;
}

}  // namespace actfn
}  // namespace hg::kernels
