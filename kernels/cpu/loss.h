// Losses and the fused per-sample reconstruction error. fp32 host data, double accumulation.
// Every "mean" divides by the number of elements n (rows * cols), as PyTorch's reduction='mean'.
#pragma once
#include <cstdint>

#include "kernels/common/loss_terms.h"

namespace hg::kernels::cpu {

using kernels::kBceEps;  // kernels/common/loss_terms.h: every term and its derivative
using kernels::ReconKind;

// mean((p - t)^2)
double mse_forward(const float* p, const float* t, int64_t n);
// dp = g * 2 (p - t) / n
void mse_backward(const float* p, const float* t, float g, float* dp, int64_t n);

// -mean(t log p + (1 - t) log(1 - p)), p clamped.
double bce_forward(const float* p, const float* t, int64_t n);
// dp = g * (p - t) / (p (1 - p)) / n with the same clamp (zero gradient where p was clamped).
void bce_backward(const float* p, const float* t, float g, float* dp, int64_t n);

// mean(max(z, 0) - z t + log(1 + e^{-|z|})): stable for any logit z.
double bce_logits_forward(const float* z, const float* t, int64_t n);
// dz = g * (sigmoid(z) - t) / n
void bce_logits_backward(const float* z, const float* t, float g, float* dz, int64_t n);

// One pass over x (the input) and r (the reconstruction), both [rows, cols]:
//   row_err[i]     = mean_j e(x[i,j], r[i,j])
//   feat_err[i, j] = e(x[i,j], r[i,j])            (only when feat_err != nullptr)
// with e = (r - x)^2, or BCE of probability r against target x, or BCE of logit r against x.
void recon_error(ReconKind kind, const float* x, const float* r, float* row_err, float* feat_err,
                 int64_t rows, int64_t cols);
// Gradient with respect to r, given g_row[i] = dL/d row_err[i]: dr[i,j] = g_row[i] * e'(r) / cols.
void recon_error_backward(ReconKind kind, const float* x, const float* r, const float* g_row,
                          float* dr, int64_t rows, int64_t cols);

}  // namespace hg::kernels::cpu
