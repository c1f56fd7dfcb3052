// Fused optimizer updates on the GPU: the device twins of kernels/cpu/optim.h (PyTorch semantics).
// One parameter tensor of n fp32 values; p, g and the state (v, m) are DEVICE pointers; the
// hyper-parameters are host scalars; work enqueued on `stream`. The Adam bias corrections
// (1 - beta^step) are computed on the host in double, once per call, exactly as on the CPU.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

// g' = g + wd * p; v = momentum * v + g' (v = g' on step 1, dampening 0);
// p -= lr * (nesterov ? g' + momentum * v : v). With momentum == 0, v is unused (may be null).
void sgd_step(float* p, const float* g, float* v, int64_t n, float lr, float momentum,
              float weight_decay, bool nesterov, bool first_step, cudaStream_t stream = 0);

// Adam / AdamW. step >= 1 is the 1-based step count for bias correction.
// decoupled == false: g' = g + wd * p (Adam's L2). decoupled == true: p *= (1 - lr * wd) (AdamW).
// m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
// p -= lr * (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps)
void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int64_t step,
               cudaStream_t stream = 0);

// The same update with the bias corrections read from the device, for CUDA graphs (a replayed
// graph re-runs its kernels with the arguments they were captured with, so a host step count
// would freeze). adam_advance increments *step (a device double) and writes
//   scalars[0] = lr / (1 - beta1^step),  scalars[1] = 1 / sqrt(1 - beta2^step);
// adam_step_dev reads them. Call adam_advance once per optimizer step, before the updates.
void adam_advance(double* step, float* scalars, float lr, float beta1, float beta2,
                  cudaStream_t stream = 0);
void adam_step_dev(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                   float beta2, float eps, float weight_decay, bool decoupled, const float* scalars,
                   cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
