// Batch normalisation over (N, H, W) per channel, forward (train / eval) and backward (device
// twins of kernels/cpu/pool.h).
//
// Idea: one 256-thread block per channel does everything for that channel, so no intermediate
//   statistics travel through global memory and there is one launch per call:
//   train     pass 1: sum x (double) -> mean; pass 2: sum (x - mean)^2 (double) -> biased var
//             (two passes: no cancellation, unlike E[x^2] - E[x]^2); thread 0 saves mean and
//             invstd = 1/sqrt(var + eps) and updates the running statistics (unbiased variance);
//             pass 3 writes y = (x - mean) * invstd * gamma + beta.
//   backward  pass 1: sum dy and sum dy * xhat (double), xhat = (x - mean) * invstd;
//             pass 2: dx = gamma * invstd * (dy - sum_dy / M - xhat * sum_dy_xhat / M), M = N*HW;
//             dbeta = sum_dy, dgamma = sum_dy_xhat.
//   The per-channel elements are N runs of HW contiguous floats; the loop walks them as one
//   flattened range so small planes still keep all 256 threads busy. Block sums use the
//   fixed-order tree of common.cuh: deterministic.
// Bytes per element: train 3 reads + 1 write (12 + 4 B), backward 2 + 2 reads and 1 write; a few
//   FLOPs. Eval is a plain elementwise pass (4 + 4 B).
// Limit: bandwidth, and parallelism when C is small: only C blocks run (32 or 64 for the
//   autoencoder's layers) — each streams its channel three times; fine at these sizes, a split
//   reduction would be the next step for C << number of SMs.
// Measured: not benchmarked yet; checked against the CPU path on an H200 (2026-11-30: GPU tests,
//   compute-sanitizer memcheck and racecheck clean).
#include <cmath>

#include "kernels/cuda/ops/common.cuh"
#include "kernels/cuda/ops/pool.h"

namespace hg::kernels::cuda {
namespace {

using ops_detail::kThreads;

__device__ __forceinline__ int64_t chan_index(int64_t j, int64_t c, int64_t C, int64_t HW) {
  const int64_t n = j / HW;
  return (n * C + c) * HW + (j - n * HW);
}

__global__ void __launch_bounds__(kThreads)
    bn_train_kernel(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                    const float* __restrict__ gamma, const float* __restrict__ beta, float eps,
                    float momentum, float* running_mean, float* running_var, float* save_mean,
                    float* save_invstd) {
  __shared__ double red[ops_detail::kWarps];
  const int64_t c = blockIdx.x;
  const int64_t M = N * HW;
  double s = 0.0;
  for (int64_t j = threadIdx.x; j < M; j += kThreads) s += double(x[chan_index(j, c, C, HW)]);
  const double mean = ops_detail::block_sum(s, red) / double(M);
  double v = 0.0;
  for (int64_t j = threadIdx.x; j < M; j += kThreads) {
    const double d = double(x[chan_index(j, c, C, HW)]) - mean;
    v += d * d;
  }
  const double var = ops_detail::block_sum(v, red) / double(M);
  const double invstd_d = 1.0 / sqrt(var + double(eps));
  if (threadIdx.x == 0) {
    if (save_mean) save_mean[c] = float(mean);
    if (save_invstd) save_invstd[c] = float(invstd_d);
    if (running_mean)
      running_mean[c] =
          float((1.0 - double(momentum)) * double(running_mean[c]) + double(momentum) * mean);
    if (running_var) {
      const double unbiased = M > 1 ? var * double(M) / double(M - 1) : var;
      running_var[c] =
          float((1.0 - double(momentum)) * double(running_var[c]) + double(momentum) * unbiased);
    }
  }
  const float meanf = float(mean), invstd = float(invstd_d);
  const float gm = gamma ? gamma[c] : 1.0f, bt = beta ? beta[c] : 0.0f;
  for (int64_t j = threadIdx.x; j < M; j += kThreads) {
    const int64_t i = chan_index(j, c, C, HW);
    y[i] = (x[i] - meanf) * invstd * gm + bt;
  }
}

__global__ void __launch_bounds__(kThreads)
    bn_eval_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t total, int64_t C,
                   int64_t HW, const float* __restrict__ gamma, const float* __restrict__ beta,
                   float eps, const float* __restrict__ running_mean,
                   const float* __restrict__ running_var) {
  for (int64_t i = ops_detail::global_thread(); i < total; i += ops_detail::grid_threads()) {
    const int64_t c = (i / HW) % C;
    const float invstd = 1.0f / sqrtf(running_var[c] + eps);
    const float gm = gamma ? gamma[c] : 1.0f, bt = beta ? beta[c] : 0.0f;
    y[i] = (x[i] - running_mean[c]) * invstd * gm + bt;
  }
}

__global__ void __launch_bounds__(kThreads)
    bn_backward_kernel(const float* __restrict__ x, const float* __restrict__ dy,
                       float* __restrict__ dx, int64_t N, int64_t C, int64_t HW,
                       const float* __restrict__ gamma, const float* __restrict__ save_mean,
                       const float* __restrict__ save_invstd, float* dgamma, float* dbeta) {
  __shared__ double red[ops_detail::kWarps];
  const int64_t c = blockIdx.x;
  const int64_t M = N * HW;
  const float mean = save_mean[c], invstd = save_invstd[c];
  double sdy = 0.0, sdyx = 0.0;
  for (int64_t j = threadIdx.x; j < M; j += kThreads) {
    const int64_t i = chan_index(j, c, C, HW);
    const double g = double(dy[i]);
    sdy += g;
    sdyx += g * (double(x[i]) - double(mean)) * double(invstd);
  }
  sdy = ops_detail::block_sum(sdy, red);
  sdyx = ops_detail::block_sum(sdyx, red);
  if (threadIdx.x == 0) {
    if (dbeta) dbeta[c] = float(sdy);
    if (dgamma) dgamma[c] = float(sdyx);
  }
  const float gm = gamma ? gamma[c] : 1.0f;
  const float k = gm * invstd;
  const float mdy = float(sdy / double(M)), mdyx = float(sdyx / double(M));
  for (int64_t j = threadIdx.x; j < M; j += kThreads) {
    const int64_t i = chan_index(j, c, C, HW);
    const float xhat = (x[i] - mean) * invstd;
    dx[i] = k * (dy[i] - mdy - xhat * mdyx);
  }
}

void check_sizes(int64_t N, int64_t C, int64_t HW, const char* what) {
  if (N <= 0 || C <= 0 || HW <= 0)
    throw Error(std::string(what) + ": N, C and HW must be positive");
  if (C > 2147483647) throw Error(std::string(what) + ": too many channels");
}

}  // namespace

void batchnorm_forward_train(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                             const float* gamma, const float* beta, float eps, float momentum,
                             float* running_mean, float* running_var, float* save_mean,
                             float* save_invstd, cudaStream_t stream) {
  check_sizes(N, C, HW, "batchnorm_forward_train");
  bn_train_kernel<<<unsigned(C), kThreads, 0, stream>>>(x, y, N, C, HW, gamma, beta, eps, momentum,
                                                        running_mean, running_var, save_mean,
                                                        save_invstd);
  HG_CUDA_CHECK_LAUNCH();
}

void batchnorm_forward_eval(const float* x, float* y, int64_t N, int64_t C, int64_t HW,
                            const float* gamma, const float* beta, float eps,
                            const float* running_mean, const float* running_var,
                            cudaStream_t stream) {
  check_sizes(N, C, HW, "batchnorm_forward_eval");
  const int64_t total = N * C * HW;
  bn_eval_kernel<<<ops_detail::blocks_for(total), kThreads, 0, stream>>>(
      x, y, total, C, HW, gamma, beta, eps, running_mean, running_var);
  HG_CUDA_CHECK_LAUNCH();
}

void batchnorm_backward(const float* x, const float* dy, float* dx, int64_t N, int64_t C,
                        int64_t HW, const float* gamma, const float* save_mean,
                        const float* save_invstd, float* dgamma, float* dbeta,
                        cudaStream_t stream) {
  check_sizes(N, C, HW, "batchnorm_backward");
  bn_backward_kernel<<<unsigned(C), kThreads, 0, stream>>>(x, dy, dx, N, C, HW, gamma, save_mean,
                                                           save_invstd, dgamma, dbeta);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
