// CPU pooling, upsampling, batch-norm and dropout kernels (host memory, NCHW, fp32).
// Outputs are write-only unless stated. Uses the pool from parallel.h.
#pragma once
#include <cstdint>

#include "kernels/common/conv_shape.h"

namespace hg::kernels::cpu {

// Max pooling. argmax[i] is the flat index (h * W + w) inside its (n, c) plane of the input
// element chosen for output i; padding never wins (it counts as -inf). NaN propagates.
void maxpool2d_forward(const PoolShape& s, const float* x, float* y, int32_t* argmax);
// dx = 0, then dx[argmax[i]] += dy[i] (per plane).
void maxpool2d_backward(const PoolShape& s, const float* dy, const int32_t* argmax, float* dx);

// Average pooling, padding counted in the divisor (PyTorch's count_include_pad=True): / (kh*kw).
void avgpool2d_forward(const PoolShape& s, const float* x, float* y);
void avgpool2d_backward(const PoolShape& s, const float* dy, float* dx);

// Nearest-neighbour upsampling by integer factors: y [N, C, H*fh, W*fw], y[.., i, j] = x[.., i/fh,
// j/fw].
void upsample_nearest2d_forward(const float* x, float* y, int64_t N, int64_t C, int64_t H,
                                int64_t W, int64_t fh, int64_t fw);
// dx[.., i, j] = sum of the fh*fw gradients it was copied to.
void upsample_nearest2d_backward(const float* dy, float* dx, int64_t N, int64_t C, int64_t H,
                                 int64_t W, int64_t fh, int64_t fw);

// Batch normalisation over (N, H, W) per channel, x [N, C, HW] (HW = H*W; for 2-D inputs [N, C]
// pass HW = 1). Training: mean and biased variance of the batch; saves mean[C] and
// invstd[C] = 1/sqrt(var + eps) for backward; updates running_mean/var (nullable) with
//   running = (1 - momentum) * running + momentum * batch_stat  (running_var uses the UNBIASED
// variance, as PyTorch). gamma/beta nullable (then 1 and 0). Accumulation in double.
void batchnorm_forward_train(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                             const float* gamma, const float* beta, float eps, float momentum,
                             float* running_mean, float* running_var, float* save_mean,
                             float* save_invstd);
// Evaluation: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta.
void batchnorm_forward_eval(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                            const float* gamma, const float* beta, float eps,
                            const float* running_mean, const float* running_var);
// Backward of the training forward: dx, and dgamma/dbeta (nullable, write-only) from the saved
// statistics. x is the forward input.
void batchnorm_backward(const float* x, const float* dy, float* dx, int64_t N, int64_t C,
                        int64_t HW, const float* gamma, const float* save_mean,
                        const float* save_invstd, float* dgamma, float* dbeta);

// Dropout with a counter-based mask: element i is kept when hash(seed, i) >= p (as a 24-bit
// uniform u = (splitmix64(seed ^ splitmix64(i)) >> 40) * 2^-24, kept when u >= p), so the CPU
// and the GPU draw the same mask for the same seed. y = keep ? x / (1 - p) : 0; mask[i] = keep
// ? 1/(1-p) : 0 (saved for backward: dx = dy * mask). 0 <= p < 1.
void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed);

}  // namespace hg::kernels::cpu
