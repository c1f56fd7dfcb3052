// Losses and the fused per-sample reconstruction error on the GPU: the device twins of
// kernels/cpu/loss.h (same formulas, same BCE clamp kBceEps, "mean" divides by n = rows * cols).
// DEVICE pointers; work enqueued on `stream`; nothing synchronises.
// Differences forced by the device:
// - a forward loss writes its value to the device float `*out` instead of returning a double
//   (accumulated in double, deterministic order: see reduce.h);
// - every backward exists twice: with the upstream gradient g as a host float, and with g read
//   from device memory (`g_dev`, one float) so a training step never waits for the loss value.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/loss_terms.h"

namespace hg::kernels::cuda {

using ::hg::kernels::kBceEps;
using ::hg::kernels::ReconKind;

// *out = mean((p - t)^2)
void mse_forward(const float* p, const float* t, int64_t n, float* out, cudaStream_t stream = 0);
// dp = g * 2 (p - t) / n
void mse_backward(const float* p, const float* t, float g, float* dp, int64_t n,
                  cudaStream_t stream = 0);
void mse_backward(const float* p, const float* t, const float* g_dev, float* dp, int64_t n,
                  cudaStream_t stream = 0);

// *out = -mean(t log p + (1 - t) log(1 - p)), p clamped to [eps, 1 - eps].
void bce_forward(const float* p, const float* t, int64_t n, float* out, cudaStream_t stream = 0);
// dp = g * (p - t) / (p (1 - p)) / n, zero where p was clamped.
void bce_backward(const float* p, const float* t, float g, float* dp, int64_t n,
                  cudaStream_t stream = 0);
void bce_backward(const float* p, const float* t, const float* g_dev, float* dp, int64_t n,
                  cudaStream_t stream = 0);

// *out = mean(max(z, 0) - z t + log(1 + e^{-|z|})), stable for any logit z.
void bce_logits_forward(const float* z, const float* t, int64_t n, float* out,
                        cudaStream_t stream = 0);
// dz = g * (sigmoid(z) - t) / n
void bce_logits_backward(const float* z, const float* t, float g, float* dz, int64_t n,
                         cudaStream_t stream = 0);
void bce_logits_backward(const float* z, const float* t, const float* g_dev, float* dz, int64_t n,
                         cudaStream_t stream = 0);

// One pass over x (the input) and r (the reconstruction), both row-major [rows, cols]:
//   row_err[i]     = mean_j e(x[i,j], r[i,j])     (rows floats; 0 when cols == 0)
//   feat_err[i, j] = e(x[i,j], r[i,j])            (only when feat_err != nullptr)
// with e = (r - x)^2, or BCE of probability r against target x, or BCE of logit r against x.
// One warp per row (one block per row when cols >= 2048), float4 loads when cols % 4 == 0 and the
// pointers are 16-byte aligned, the row mean accumulated in double.
void recon_error(ReconKind kind, const float* x, const float* r, float* row_err, float* feat_err,
                 int64_t rows, int64_t cols, cudaStream_t stream = 0);
// Gradient with respect to r, given g_row[i] = dL/d row_err[i] (device, rows floats):
//   dr[i,j] = g_row[i] * e'(r) / cols.
void recon_error_backward(ReconKind kind, const float* x, const float* r, const float* g_row,
                          float* dr, int64_t rows, int64_t cols, cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
