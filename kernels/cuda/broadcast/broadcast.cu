// Broadcasts and gathers: pure data movement, one thread per output element.
// Bytes per output element: 4 written + 4 read (gather) or ~0 read (broadcast: the scalar or row
// value is cached). FLOPs: at most one multiply. Memory-bandwidth bound; a grid-stride loop keeps
// the launch small for any n. Not benchmarked yet; checked on an H200 (2026-11-30).
#include "kernels/cuda/broadcast/broadcast.h"

#include "kernels/common/launch.h"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda {
namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t n) { return ::hg::kernels::blocks_for(n, kThreads, 65535 * 16); }

__global__ void gather_rows_kernel(const float* __restrict__ src, const int64_t* __restrict__ idx,
                                   int64_t n, int64_t cols, float* __restrict__ dst) {
  const int64_t total = n * cols;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total;
       k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = k / cols, j = k - i * cols;
    dst[k] = src[idx[i] * cols + j];
  }
}

__global__ void broadcast_scalar_kernel(const float* __restrict__ s, float scale,
                                        float* __restrict__ y, int64_t n) {
  const float v = *s * scale;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n;
       k += int64_t(gridDim.x) * blockDim.x)
    y[k] = v;
}

__global__ void broadcast_rows_kernel(const float* __restrict__ v, float scale,
                                      float* __restrict__ y, int64_t rows, int64_t cols) {
  const int64_t total = rows * cols;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total;
       k += int64_t(gridDim.x) * blockDim.x)
    y[k] = v[k / cols] * scale;
}

}  // namespace

void gather_rows(const float* src, const int64_t* idx, int64_t n, int64_t cols, float* dst,
                 cudaStream_t stream) {
  if (n <= 0 || cols <= 0) return;
  gather_rows_kernel<<<blocks_for(n * cols), kThreads, 0, stream>>>(src, idx, n, cols, dst);
  HG_CUDA_CHECK_LAUNCH();
}

void broadcast_scalar(const float* s, float scale, float* y, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  broadcast_scalar_kernel<<<blocks_for(n), kThreads, 0, stream>>>(s, scale, y, n);
  HG_CUDA_CHECK_LAUNCH();
}

void broadcast_rows(const float* v, float scale, float* y, int64_t rows, int64_t cols,
                    cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  broadcast_rows_kernel<<<blocks_for(rows * cols), kThreads, 0, stream>>>(v, scale, y, rows, cols);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
