// The geometry of a 2-D convolution, shared by the CPU and CUDA kernels and the engine ops.
// Layouts (all row-major, NCHW):
//   x  [N, C, H, W]            input
//   w  [K, C / groups, R, S]   filters (PyTorch's Conv2d layout)
//   y  [N, K, P, Q]            output, P = out_h(), Q = out_w()
//   bias [K] (nullable)
// Channel group g uses input channels [g*C/G, (g+1)*C/G) and output channels [g*K/G, (g+1)*K/G).
// A transposed convolution with weights [C_in, C_out/G, R, S] is the backward-data pass of the
// convolution whose x is its output and whose y is its input (see engine/ops/conv.cpp).
#pragma once
#include <cstdint>

namespace hg::kernels {

struct ConvShape {
  int64_t N = 1, C = 1, H = 1, W = 1;  // input
  int64_t K = 1, R = 1, S = 1;         // output channels, filter height, filter width
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dil_h = 1, dil_w = 1;
  int64_t groups = 1;

  int64_t out_h() const { return (H + 2 * pad_h - dil_h * (R - 1) - 1) / stride_h + 1; }
  int64_t out_w() const { return (W + 2 * pad_w - dil_w * (S - 1) - 1) / stride_w + 1; }
  int64_t c_per_group() const { return C / groups; }
  int64_t k_per_group() const { return K / groups; }
  int64_t x_numel() const { return N * C * H * W; }
  int64_t w_numel() const { return K * (C / groups) * R * S; }
  int64_t y_numel() const { return N * K * out_h() * out_w(); }
  // FLOPs of one forward pass (multiply and add counted separately), for benchmarks.
  double flops() const {
    return 2.0 * double(N) * double(K) * double(out_h()) * double(out_w()) * double(C / groups) *
           double(R) * double(S);
  }
  // True when every field is positive, C and K divide by groups, and the output is non-empty.
  bool valid() const {
    return N > 0 && C > 0 && H > 0 && W > 0 && K > 0 && R > 0 && S > 0 && stride_h > 0 &&
           stride_w > 0 && pad_h >= 0 && pad_w >= 0 && dil_h > 0 && dil_w > 0 && groups > 0 &&
           C % groups == 0 && K % groups == 0 && out_h() > 0 && out_w() > 0;
  }
};

// Pooling window geometry (max and average pooling), NCHW x [N, C, H, W] -> y [N, C, P, Q].
struct PoolShape {
  int64_t N = 1, C = 1, H = 1, W = 1;
  int64_t kh = 2, kw = 2, stride_h = 2, stride_w = 2, pad_h = 0, pad_w = 0;
  int64_t out_h() const { return (H + 2 * pad_h - kh) / stride_h + 1; }
  int64_t out_w() const { return (W + 2 * pad_w - kw) / stride_w + 1; }
  int64_t x_numel() const { return N * C * H * W; }
  int64_t y_numel() const { return N * C * out_h() * out_w(); }
  bool valid() const {
    return N > 0 && C > 0 && H > 0 && W > 0 && kh > 0 && kw > 0 && stride_h > 0 && stride_w > 0 &&
           pad_h >= 0 && pad_w >= 0 && 2 * pad_h <= kh && 2 * pad_w <= kw && out_h() > 0 &&
           out_w() > 0;
  }
};

}  // namespace hg::kernels
