// Fused optimizer updates over one parameter tensor of n fp32 values (host memory).
#pragma once
#include <cstdint>

namespace hg::kernels::cpu {

// PyTorch semantics: g' = g + wd * p; v = momentum * v + g' (v = g' on step 1, dampening 0);
// p -= lr * (nesterov ? g' + momentum * v : v). With momentum == 0, v is unused (may be null).
void sgd_step(float* p, const float* g, float* v, int64_t n, float lr, float momentum,
              float weight_decay, bool nesterov, bool first_step);

// Adam / AdamW (PyTorch semantics). step >= 1 is the 1-based step count for bias correction.
// decoupled == false: g' = g + wd * p (Adam's L2). decoupled == true: p *= (1 - lr * wd) (AdamW).
// m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
// p -= lr * (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps)
void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int64_t step);
// The same with the bias corrections given: step_size = lr / (1 - b1^step),
// inv_sqrt_bc2 = 1 / sqrt(1 - b2^step).
void adam_step_corrected(float* p, const float* g, float* m, float* v, int64_t n, float lr,
                         float beta1, float beta2, float eps, float weight_decay, bool decoupled,
                         float step_size, float inv_sqrt_bc2);

}  // namespace hg::kernels::cpu
