// The differentiable convolution-family ops: convolution, transposed convolution, pooling,
// nearest upsampling, batch normalisation, dropout and the flatten/unflatten views. Images are
// NCHW fp32 tensors. Like the ops in ops.h, each op checks its shapes and devices (one hg::Error
// naming the op and the offending tensor), runs the kernel of the tensors' device through
// backend_for(), and records its backward on the autograd tape when an input requires grad.
// Kernel contracts: kernels/common/conv_shape.h, kernels/cpu/conv.h, kernels/cpu/pool.h.
#pragma once
#include <cstdint>

#include "engine/ops/ops.h"

namespace hg::ops {

// A (height, width) pair; an integer means the same value for both, as in PyTorch.
struct Size2 {
  int64_t h = 0, w = 0;
  Size2() = default;
  Size2(int64_t v) : h(v), w(v) {}  // NOLINT(google-explicit-constructor): conv2d(x, w, b, 2, 1)
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Size2&) const = default;
};

// y[N, K, P, Q] = act(conv(x[N, C, H, W], w[K, C/groups, R, S]) + b[K]) with PyTorch's Conv2d
// semantics (cross-correlation; P = (H + 2 pad - dil (R-1) - 1) / stride + 1). b may be undefined.
// act is fused into the kernel; its backward uses y only, so act must be None, ReLU, LeakyReLU,
// Sigmoid or Tanh.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride = 1,
              Size2 padding = 0, Size2 dilation = 1, int64_t groups = 1, Act act = Act::None,
              float alpha = 0.01f);

// PyTorch's ConvTranspose2d: x[N, Cin, H, W], w[Cin, Cout/groups, R, S], b[Cout] (or undefined)
// -> y[N, Cout, H_out, W_out], H_out = (H-1) stride - 2 pad + dil (R-1) + output_padding + 1.
// It is the backward-data pass of the convolution whose input is y. output_padding < stride.
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride = 1,
                        Size2 padding = 0, Size2 output_padding = 0, Size2 dilation = 1,
                        int64_t groups = 1);

// Pooling over kernel windows of x[N, C, H, W]; stride 0 means stride = kernel (PyTorch's
// default); padding <= kernel / 2. Max pooling: padding never wins. Average pooling counts the
// padding in the divisor (count_include_pad=True).
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0);
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0);

// Nearest-neighbour upsampling by integer factors: [N, C, H, W] -> [N, C, H fh, W fw].
Tensor upsample_nearest2d(const Tensor& x, int64_t fh, int64_t fw);

// Batch normalisation of x[N, C, H, W] or x[N, C] per channel. gamma/beta [C] may be undefined
// (then 1 and 0). training: normalises with the batch's mean and biased variance and, when
// running_mean/running_var [C] are defined, updates them in place (running = (1 - momentum)
// running + momentum batch_stat, unbiased variance; not recorded on the tape). Evaluation:
// normalises with running_mean/running_var, which must then be defined.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor running_mean,
                  Tensor running_var, bool training, float momentum = 0.1f, float eps = 1e-5f);

// Inverted dropout: each element is kept with probability 1 - p and scaled by 1/(1 - p); the mask
// comes from the counter-based kernel, so the same seed draws the same mask on every device.
// Identity (x itself) when !training or p == 0. 0 <= p < 1.
Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed);

// Views sharing storage (through reshape): flatten merges dims start_dim.. into one;
// unflatten splits dim `dim` into `sizes` (one entry may be -1). Negative dims count from the end.
Tensor flatten(const Tensor& x, int64_t start_dim = 1);
Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes);

}  // namespace hg::ops

namespace hg::ops::detail {
// Per-channel sum of t viewed as [N, C, HW] -> [C] (two backend reductions, any device).
// Shared by conv.cpp (bias gradients) and norm.cpp.
Tensor channel_sum(const Tensor& t, int64_t N, int64_t C, int64_t HW);
}  // namespace hg::ops::detail
