// Matrix transpose on the GPU. DEVICE pointers; work enqueued on `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

// y = x^T: x is row-major [rows, cols], y is row-major [cols, rows] (y[c, r] = x[r, c]).
// Out of place only: x and y must not overlap.
void transpose(const float* x, float* y, int64_t rows, int64_t cols, cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
