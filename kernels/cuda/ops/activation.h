// Elementwise activations on the GPU: the device twins of kernels/cpu/activation.h (same enum, same
// formulas, same stability tricks). n contiguous fp32 values; DEVICE pointers; enqueued on
// `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/activation.h"

namespace hg::kernels::cuda {

using ::hg::kernels::Act;

// y = act(x). In-place (y == x) is allowed.
void act_forward(Act act, const float* x, float* y, int64_t n, float alpha = 0.01f,
                 cudaStream_t stream = 0);

// dx = dy * act'(x). Reads x for ReLU/LeakyReLU/Softplus and y (the forward output) for
// Sigmoid/Tanh; the one not needed may be null. dx may alias dy.
void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha = 0.01f, cudaStream_t stream = 0);

// d = act'(pre-activation) through the output y (kernels/cpu/activation.h's act_derivative):
// None 1, ReLU (y > 0), LeakyReLU (y > 0 ? 1 : alpha), Sigmoid y (1 - y), Tanh 1 - y^2.
// Softplus: hg::Error.
void act_derivative(Act act, const float* y, float* d, int64_t n, float alpha = 0.01f,
                    cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
