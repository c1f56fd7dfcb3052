// Pooling, nearest upsampling, batch-norm and dropout on the GPU: the device twins of
// kernels/cpu/pool.h (same contracts, same formulas, the same dropout mask for the same seed).
// DEVICE pointers; work enqueued on `stream`; nothing synchronises.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/conv_shape.h"

namespace hg::kernels::cuda {

void maxpool2d_forward(const PoolShape& s, const float* x, float* y, int32_t* argmax,
                       cudaStream_t stream = nullptr);
void maxpool2d_backward(const PoolShape& s, const float* dy, const int32_t* argmax, float* dx,
                        cudaStream_t stream = nullptr);
void avgpool2d_forward(const PoolShape& s, const float* x, float* y, cudaStream_t stream = nullptr);
void avgpool2d_backward(const PoolShape& s, const float* dy, float* dx,
                        cudaStream_t stream = nullptr);
void upsample_nearest2d_forward(const float* x, float* y, int64_t N, int64_t C, int64_t H,
                                int64_t W, int64_t fh, int64_t fw, cudaStream_t stream = nullptr);
void upsample_nearest2d_backward(const float* dy, float* dx, int64_t N, int64_t C, int64_t H,
                                 int64_t W, int64_t fh, int64_t fw, cudaStream_t stream = nullptr);
void batchnorm_forward_train(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                             const float* gamma, const float* beta, float eps, float momentum,
                             float* running_mean, float* running_var, float* save_mean,
                             float* save_invstd, cudaStream_t stream = nullptr);
void batchnorm_forward_eval(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                            const float* gamma, const float* beta, float eps,
                            const float* running_mean, const float* running_var,
                            cudaStream_t stream = nullptr);
void batchnorm_backward(const float* x, const float* dy, float* dx, int64_t N, int64_t C,
                        int64_t HW, const float* gamma, const float* save_mean,
                        const float* save_invstd, float* dgamma, float* dbeta,
                        cudaStream_t stream = nullptr);
void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed,
                     cudaStream_t stream = nullptr);

}  // namespace hg::kernels::cuda
