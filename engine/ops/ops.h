// The differentiable operations. Each op checks shapes and devices, runs the kernel for the
// tensors' device (kernels/cpu, later kernels/cuda), and records its backward on the autograd tape
// when an input requires grad. Inputs must share one device; outputs are new contiguous tensors.
// Shapes: "[B, D]" means a 2-D row-major tensor; "same" means every input has the same shape.
#pragma once
#include "engine/tensor/tensor.h"
#include "kernels/common/activation.h"
#include "kernels/common/loss_terms.h"
#include "kernels/common/pointwise.h"

namespace hg::ops {

using kernels::Act;
using kernels::act_fusable;  // may a GEMM or conv fuse it (its backward from the output alone)
using kernels::ReconKind;

// The row names of kernels/common/activation.h ("none" also as "linear" or "identity").
Act parse_act(const std::string& name);
std::string act_name(Act a);

// ---- dense --------------------------------------------------------------------------------------
// y[B, out] = act(x[B, in] · W[out, in]^T + b[out]). b may be undefined. act is fused into the GEMM
// epilogue; its backward needs only y, so act must be act_fusable (all rows but softplus).
Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b, Act act = Act::None,
              float alpha = 0.01f);
// c[M, N] = a[M, K] · b[K, N]
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- the pointwise op table (kernels/common/pointwise.h, one row per op)
// ------------------------- Unary, y = f(x): abs, exp, log, neg, sqrt. Binary, same shapes and
// device, y = f(a, b): add, sub, mul, div. Each is differentiable (abs' = sign(x), 0 at 0).
#define HG_DECLARE_UNARY(Row, fn) Tensor fn(const Tensor& x);
#define HG_DECLARE_BINARY(Row, fn) Tensor fn(const Tensor& a, const Tensor& b);
HG_UNARY_OPS(HG_DECLARE_UNARY)
HG_BINARY_OPS(HG_DECLARE_BINARY)
#undef HG_DECLARE_UNARY
#undef HG_DECLARE_BINARY

// ---- elementwise with a scalar, activations
// ------------------------------------------------------
Tensor add_scalar(const Tensor& x, float s);
Tensor mul_scalar(const Tensor& x, float s);
Tensor activation(const Tensor& x, Act act, float alpha = 0.01f);
inline Tensor relu(const Tensor& x) { return activation(x, Act::ReLU); }
inline Tensor leaky_relu(const Tensor& x, float alpha = 0.01f) {
  return activation(x, Act::LeakyReLU, alpha);
}
inline Tensor sigmoid(const Tensor& x) { return activation(x, Act::Sigmoid); }
inline Tensor tanh(const Tensor& x) { return activation(x, Act::Tanh); }
inline Tensor softplus(const Tensor& x) { return activation(x, Act::Softplus); }

// ---- reductions ---------------------------------------------------------------------------------
Tensor sum(const Tensor& x);        // scalar (shape [])
Tensor mean(const Tensor& x);       // scalar
Tensor sum_rows(const Tensor& x);   // [B, D] -> [B]
Tensor mean_rows(const Tensor& x);  // [B, D] -> [B]

// ---- shape --------------------------------------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);  // shares storage; one dim may be -1

// ---- losses (mean over every element; gradient flows to the prediction only) -----------------
Tensor mse_loss(const Tensor& pred, const Tensor& target);
Tensor bce_loss(const Tensor& prob, const Tensor& target);  // prob clamped to [1e-7, 1-1e-7]
Tensor bce_with_logits(const Tensor& logits, const Tensor& target);

// Fused per-sample reconstruction error of r (reconstruction) against x (input), both [B, D]:
// row[i] = mean_j e(x[i,j], r[i,j]); feat[i,j] = e(x[i,j], r[i,j]) only when per_feature.
// One pass, no full-size temporary unless per_feature. Differentiable through `row` w.r.t. r.
struct ReconError {
  Tensor row;   // [B]
  Tensor feat;  // [B, D] or undefined
};
ReconError recon_error(const Tensor& x, const Tensor& r, ReconKind kind = ReconKind::MSE,
                       bool per_feature = false);

// ---- in place, never recorded (gradient accumulation, optimizers) -------------------------------
void add_(Tensor& a, const Tensor& b);            // a += b
void scale_(Tensor& a, float s);                  // a *= s
void axpy_(Tensor& y, float a, const Tensor& x);  // y += a * x (same numel)

}  // namespace hg::ops

// Row-wise ops (abs, act_derivative, sum/mean_cols, repeat/tile/scale rows, slice_cols) and noise.
#include "engine/ops/row_ops.h"  // IWYU pragma: export
// Classification: softmax, softmax_cross_entropy (fused, int32 host labels), argmax_rows.
#include "engine/ops/classify.h"  // IWYU pragma: export
