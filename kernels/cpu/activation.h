// Elementwise activations, forward and backward. Host memory, fp32, n elements, may run threaded.
#pragma once
#include <cstdint>

namespace hg::kernels::cpu {

enum class Act { None, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus };

// y = act(x). In-place (y == x) is allowed.
void act_forward(Act act, const float* x, float* y, int64_t n, float alpha = 0.01f);

// dx = dy * act'(x). Needs x for ReLU/LeakyReLU/Softplus and y (the forward output) for
// Sigmoid/Tanh; pass both, either may be used. dx may alias dy.
void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha = 0.01f);

}  // namespace hg::kernels::cpu
