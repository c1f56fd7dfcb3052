// Elementwise arithmetic on the GPU: the device twins of kernels/cpu/elementwise.h.
// Contract: n contiguous fp32 values; every pointer is a DEVICE pointer; the work is enqueued on
// `stream` (asynchronous: nothing here synchronises). Outputs may alias inputs exactly (y == a),
// not partially. n <= 0 is a no-op. Launch errors throw hg::Error (HG_CUDA_CHECK_LAUNCH).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

void fill(float* y, float value, int64_t n, cudaStream_t stream = 0);
void copy(const float* x, float* y, int64_t n, cudaStream_t stream = 0);  // cudaMemcpyAsync D2D
void scale(const float* x, float s, float* y, int64_t n, cudaStream_t stream = 0);  // y = s * x
void add_scalar(const float* x, float s, float* y, int64_t n,
                cudaStream_t stream = 0);                                          // y = x + s
void axpy(float a, const float* x, float* y, int64_t n, cudaStream_t stream = 0);  // y += a * x

}  // namespace hg::kernels::cuda
