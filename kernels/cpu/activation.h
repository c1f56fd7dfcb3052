// Elementwise activations, forward and backward. Host memory, fp32, n elements, may run threaded.
#pragma once
#include <cstdint>

#include "kernels/common/activation.h"

namespace hg::kernels::cpu {

using kernels::Act;  // kernels/common/activation.h: the enum and every formula

// y = act(x). In-place (y == x) is allowed.
void act_forward(Act act, const float* x, float* y, int64_t n, float alpha = 0.01f);

// dx = dy * act'(x). Needs x for ReLU/LeakyReLU/Softplus and y (the forward output) for
// Sigmoid/Tanh; pass both, either may be used. dx may alias dy.
void act_backward(Act act, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                  float alpha = 0.01f);

// d = act'(pre-activation) written through the activation's output y (the form the exact
// Jacobian of an MLP needs): None 1, ReLU (y > 0), LeakyReLU (y > 0 ? 1 : alpha, alpha > 0),
// Sigmoid y (1 - y), Tanh 1 - y^2. Softplus is not expressible through y: hg::Error.
void act_derivative(Act act, const float* y, float* d, int64_t n, float alpha = 0.01f);

}  // namespace hg::kernels::cpu
