// Small data-movement kernels the engine needs around the op families: row gathers (shuffled
// batches), scalar and per-row broadcasts (gradients of sum/mean), scaling by a device scalar
// (gradient clipping). All pointers are device pointers; launches go on `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

// dst[i, :] = src[idx[i], :] for i < n; rows of `cols` floats; idx is a device array.
void gather_rows(const float* src, const int64_t* idx, int64_t n, int64_t cols, float* dst,
                 cudaStream_t stream = 0);
// y[i] = scale * (*s) for i < n.
void broadcast_scalar(const float* s, float scale, float* y, int64_t n, cudaStream_t stream = 0);
// y[i, j] = scale * v[i] for an [rows, cols] y.
void broadcast_rows(const float* v, float scale, float* y, int64_t rows, int64_t cols,
                    cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
