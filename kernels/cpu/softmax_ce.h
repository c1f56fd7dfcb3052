// Row softmax, softmax cross-entropy and row argmax for classification heads. fp32 host data,
// row-major [rows, cols] (rows = batch, cols = classes), double accumulation of every row sum.
//
// Shared convention of the softmax family: the per-row statistics
//   stats[2 i]     = m_i = max_j z[i, j]                  (exact: a max does not round)
//   stats[2 i + 1] = s_i = sum_j exp(z[i, j] - m_i)        (in [1, cols] for finite z)
// make softmax(z)[i, j] = exp(z[i, j] - m_i) * (1 / s_i): every exponent is <= 0, so nothing
// overflows for any finite logit (z = 1000 or -1000 included). The cross-entropy forward saves the
// stats (8 bytes per row) and the backward recomputes the softmax from z and them, so no [rows,
// cols] probability matrix is kept between the passes. Logits must be finite (an infinite or NaN
// logit gives NaN in its row). cols >= 1; labels lie in [0, cols) (checked by the op, not here).
#pragma once
#include <cstdint>

namespace hg::kernels::cpu {

// loss_row[i] = log s_i + m_i - z[i, labels[i]] = -log softmax(z)[i, labels[i]]; stats as above.
void softmax_ce_forward(const float* z, const int32_t* labels, float* loss_row, float* stats,
                        int64_t rows, int64_t cols);
// Gradient of the batch MEAN of loss_row scaled by g:
//   dz[i, j] = (g / rows) * (softmax(z)[i, j] - [j == labels[i]]).
void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats, float g,
                         float* dz, int64_t rows, int64_t cols);

// y[i, j] = softmax(z)[i, j] (rows sum to 1 up to rounding).
void softmax_rows(const float* z, float* y, int64_t rows, int64_t cols);
// Given y = softmax(z) and g = dL/dy: dz[i, j] = y[i, j] (g[i, j] - sum_k g[i, k] y[i, k]).
void softmax_rows_backward(const float* y, const float* g, float* dz, int64_t rows, int64_t cols);

// idx[i] = the column of the largest x[i, j]; ties go to the lowest column, and a NaN counts as
// larger than every number (the first NaN wins), as torch.argmax. cols >= 1.
void argmax_rows(const float* x, int32_t* idx, int64_t rows, int64_t cols);

}  // namespace hg::kernels::cpu
