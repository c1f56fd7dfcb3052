// Row and column data movement on row-major fp32 matrices in host memory: repeating and tiling
// rows, scaling rows, slicing columns, and the deterministic reductions their gradients need.
// Outputs are write-only (every element written) and must not alias inputs. Sums accumulate in
// double in a fixed order, independent of the thread count.
#pragma once
#include <cstdint>

namespace hg::kernels::cpu {

// x [rows, cols] -> y [rows * k, cols], y[r * k + j, :] = x[r, :] (each row k times in a row).
void repeat_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t k);
// The adjoint of repeat_rows: g [groups * k, cols] -> out [groups, cols],
// out[b, c] = sum_{j < k} g[b * k + j, c] (j ascending, double accumulation).
void sum_row_groups(const float* g, float* out, int64_t groups, int64_t k, int64_t cols);
// x [rows, cols] -> y [times * rows, cols], y[t * rows + j, :] = x[j, :] (the whole block `times`
// times). Its adjoint is sum_cols of the gradient viewed as [times, rows * cols].
void tile_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t times);
// y[r, c] = x[r, c] * s[r].
void scale_rows(const float* x, const float* s, float* y, int64_t rows, int64_t cols);
// out[r] = sum_c a[r, c] * b[r, c] (products and sum in double).
void row_dot(const float* a, const float* b, float* out, int64_t rows, int64_t cols);
// x [rows, cols] -> y [rows, len], y[r, j] = x[r, start + j]; 0 <= start, start + len <= cols.
void slice_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t start, int64_t len);
// The adjoint: g [rows, len] -> dx [rows, cols], dx[r, start + j] = g[r, j], 0 elsewhere.
void slice_cols_backward(const float* g, float* dx, int64_t rows, int64_t cols, int64_t start,
                         int64_t len);

}  // namespace hg::kernels::cpu
