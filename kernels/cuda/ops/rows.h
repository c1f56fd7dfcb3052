// Row and column data movement on the GPU: the device twins of kernels/cpu/rows.h (same
// contracts). Row-major fp32 matrices; DEVICE pointers; work enqueued on `stream`; nothing
// synchronises. Outputs are write-only and must not alias inputs. The reductions (sum_row_groups,
// row_dot) accumulate in double in an order fixed by the shape alone: no atomics, identical bits
// on every call.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

// y[r * k + j, :] = x[r, :] for x [rows, cols], y [rows * k, cols].
void repeat_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t k,
                 cudaStream_t stream = 0);
// out[b, c] = sum_{j < k} g[b * k + j, c] for g [groups * k, cols], out [groups, cols].
void sum_row_groups(const float* g, float* out, int64_t groups, int64_t k, int64_t cols,
                    cudaStream_t stream = 0);
// y[t * rows + j, :] = x[j, :] for x [rows, cols], y [times * rows, cols].
void tile_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t times,
               cudaStream_t stream = 0);
// y[r, c] = x[r, c] * s[r].
void scale_rows(const float* x, const float* s, float* y, int64_t rows, int64_t cols,
                cudaStream_t stream = 0);
// out[r] = sum_c a[r, c] * b[r, c] (double products and sum).
void row_dot(const float* a, const float* b, float* out, int64_t rows, int64_t cols,
             cudaStream_t stream = 0);
// y[r, j] = x[r, start + j] for x [rows, cols], y [rows, len].
void slice_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t start, int64_t len,
                cudaStream_t stream = 0);
// dx[r, start + j] = g[r, j], 0 in every other column of dx [rows, cols].
void slice_cols_backward(const float* g, float* dx, int64_t rows, int64_t cols, int64_t start,
                         int64_t len, cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
