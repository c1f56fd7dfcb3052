// Reductions over fp32 host data with double accumulation. Partial sums are taken over fixed-size
// blocks and combined in a fixed order, so the result does not depend on the thread count.
#pragma once
#include <cstdint>

namespace hg::kernels::cpu {

double sum(const float* x, int64_t n);
double sum_squares(const float* x, int64_t n);
// out[r] = sum_c x[r, c] for an [rows, cols] matrix (per-row sums).
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols);
// out[c] = sum_r x[r, c] (column sums: the bias gradient). beta = 1 accumulates into out.
void sum_cols(const float* x, float* out, int64_t rows, int64_t cols, float beta = 0.0f);

}  // namespace hg::kernels::cpu
