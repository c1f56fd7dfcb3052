// Row-wise and column-wise ops (for building per-sample Jacobians, sampling several codes per
// input, and the like) and counter-based noise. Included from engine/ops/ops.h. Like every op in
// ops.h: shapes and devices are checked (hg::Error naming the op and the shapes), the kernel of
// the inputs' device runs through the kernel table (device_kernels.h), and the backward is recorded
// on the autograd tape when an input requires grad. Every backward here is written with other ops
// (the adjoint op: repeat_rows <-> sum_row_groups, slice_cols <-> pad_cols, scale_rows <->
// row_dot). Outputs are new contiguous tensors.
#pragma once
#include <cstdint>
#include <string>

#include "engine/tensor/tensor.h"
#include "kernels/common/activation.h"
#include "kernels/common/noise.h"

namespace hg::ops {

using kernels::Act;
using kernels::Noise;  // enum class Noise { Gaussian, SaltPepper, Mask }

// ---- elementwise
// ----------------------------------------------------------------------------------
// f'(pre-activation) written through the activation's OUTPUT y (same shape as y): None 1,
// ReLU (y > 0), LeakyReLU (y > 0 ? 1 : alpha), Sigmoid y (1 - y), Tanh 1 - y^2. Differentiable
// in y for Sigmoid (d/dy = 1 - 2y) and Tanh (-2y); for the piecewise-linear kinds the derivative
// is 0 almost everywhere, so the output never requires grad. Softplus: hg::Error (its derivative
// is not a function of its output that the engine can use).
Tensor act_derivative(const Tensor& y, Act a, float alpha = 0.01f);

// ---- column reductions ------------------------------------------------------------------------
Tensor sum_cols(const Tensor& x);   // [B, D] -> [D], out[c] = sum_b x[b, c]
Tensor mean_cols(const Tensor& x);  // [B, D] -> [D], out[c] = sum_b x[b, c] / B (B >= 1)

// ---- rows
// ----------------------------------------------------------------------------------------- [B, D]
// -> [B*k, D], row b*k + j = x[b] (each row k >= 1 times, consecutively).
Tensor repeat_rows(const Tensor& x, int64_t k);
// [B*k, D] -> [B, D], out[b] = sum_j x[b*k + j] (the adjoint of repeat_rows; k >= 1 divides the
// rows).
Tensor sum_row_groups(const Tensor& x, int64_t k);
// [k, D] -> [times*k, D], row t*k + j = x[j] (the whole block times >= 1 times).
Tensor tile_rows(const Tensor& x, int64_t times);
// x [R, D], s [R] -> y[r, c] = x[r, c] * s[r]; gradients to both (ds[r] = sum_c g[r, c] x[r, c]).
Tensor scale_rows(const Tensor& x, const Tensor& s);
// a, b [R, D] -> [R], out[r] = sum_c a[r, c] b[r, c].
Tensor row_dot(const Tensor& a, const Tensor& b);
// [B, D] -> [B, len], columns [start, start + len) as a contiguous copy; 0 <= start,
// 0 <= len, start + len <= D.
Tensor slice_cols(const Tensor& x, int64_t start, int64_t len);
// [B, len] -> [B, cols], x placed in columns [start, start + len), zeros elsewhere (the adjoint of
// slice_cols); start + len <= cols.
Tensor pad_cols(const Tensor& x, int64_t cols, int64_t start);
// dst[i, :] = src[order[i], :] for src and dst [N, D] on one device and `order` N int64 row
// indices in [0, N) in that device's memory (a shuffled epoch, gathered once). No autograd: for
// data, not for parameters. dst must not alias src.
void gather_rows_into(const Tensor& src, const int64_t* order, Tensor& dst);

// ---- noise (never recorded: outputs never require grad) ----------------------------------------
// Standard normals; element i depends only on (seed, i), and the CPU and CUDA agree.
Tensor randn(const Shape& shape, Device device, uint64_t seed);

// "gaussian:SIGMA" (SIGMA >= 0), "saltpepper:P", "mask:P" (P in [0, 1]); the number must be
// finite. Writes the number to *param (when not null). Anything else: hg::UsageError, one line
// naming the text.
Noise parse_noise(const std::string& spec, float* param);
std::string noise_name(Noise kind);  // "gaussian", "saltpepper", "mask"

// A corrupted copy of x for denoising autoencoders. Gaussian: x + param * randn(seed) (clamped to
// [0, 1] when clip01); SaltPepper: with probability param an element becomes 0 or 1 (half each);
// Mask: with probability param an element becomes 0. Same (seed, i) -> same noise on CPU and CUDA.
// hg::Error for a bad param (as parse_noise). The output never requires grad, even if x does.
Tensor corrupt(const Tensor& x, Noise kind, float param, uint64_t seed, bool clip01 = false);

}  // namespace hg::ops
