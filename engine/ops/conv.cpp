// conv2d and conv_transpose2d: the convolution ops. Both are expressed with the three passes of
// one convolution (kernels/cpu/conv.h contract):
//   conv2d            forward = conv forward           dx = backward-data   dw, db =
//   backward-weight conv_transpose2d  forward = backward-data (+ bias) dx = conv forward    dw =
//   backward-weight
//                                                       with x and dy swapped, db = channel sums.
// For the transposed convolution the ConvShape describes the convolution whose input is the
// transposed convolution's output: s.C = C_out, s.H = H_out, s.K = C_in, s.H's out_h() = H_in.
#include <string>

#include "engine/autograd/autograd.h"
#include "engine/ops/backend.h"
#include "engine/ops/conv_ops.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"

namespace hg::ops {

using detail::check_defined;

namespace detail {

Tensor channel_sum(const Tensor& t, int64_t N, int64_t C, int64_t HW) {
  Backend& be = backend_for(t.device(), "channel_sum");
  const Device dev = t.device();
  Tensor per_pos = Tensor::empty({C * HW}, t.device());
  be.sum_cols(t.data(), per_pos.data(), N, C * HW);  // Σ over the batch: [C*HW]
  Tensor out = Tensor::empty({C}, t.device());
  dk::sum_rows(dev, per_pos.data(), out.data(), C, HW);  // Σ over the positions: [C]
  return out;
}

}  // namespace detail

namespace {

std::string s2(Size2 v) { return "(" + std::to_string(v.h) + ", " + std::to_string(v.w) + ")"; }

void check_4d(const char* op, const Tensor& t, const char* what, const char* layout) {
  if (t.ndim() != 4)
    throw Error(std::string(op) + ": " + what + " must be 4-D " + layout + ", got shape " +
                shape_str(t.shape()));
}

void check_geometry(const char* op, Size2 stride, Size2 padding, Size2 dilation, int64_t groups) {
  if (stride.h <= 0 || stride.w <= 0)
    throw Error(std::string(op) + ": stride must be positive, got " + s2(stride));
  if (padding.h < 0 || padding.w < 0)
    throw Error(std::string(op) + ": padding must be non-negative, got " + s2(padding));
  if (dilation.h <= 0 || dilation.w <= 0)
    throw Error(std::string(op) + ": dilation must be positive, got " + s2(dilation));
  if (groups <= 0)
    throw Error(std::string(op) + ": groups must be positive, got " + std::to_string(groups));
}

// y[n, k, :, :] += b[k] for y [N, K, HW], with two device-agnostic backend calls: the bias row
// v = b ⊗ 1_HW, then Y[N, K*HW] += 1_N · v (a K = 1 GEMM with beta = 1).
void add_channel_bias(Backend& be, Tensor& y, const Tensor& b, int64_t N, int64_t K, int64_t HW) {
  Tensor row = Tensor::empty({K * HW}, y.device());
  be.broadcast_rows(b.data(), 1.0f, row.data(), K, HW);
  Tensor ones = Tensor::full({N}, 1.0f, y.device());
  be.gemm(Trans::N, Trans::N, N, K * HW, 1, 1.0f, ones.data(), 1, row.data(), K * HW, 1.0f,
          y.data(), K * HW);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding,
              Size2 dilation, int64_t groups, Act act, float alpha) {
  const char* op = "conv2d";
  check_defined(op, x, "input");
  check_defined(op, w, "weight");
  check_4d(op, x, "input", "[N, C, H, W]");
  check_4d(op, w, "weight", "[K, C/groups, R, S]");
  check_geometry(op, stride, padding, dilation, groups);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t K = w.size(0), R = w.size(2), S = w.size(3);
  if (C % groups != 0 || K % groups != 0)
    throw Error("conv2d: groups " + std::to_string(groups) + " must divide the input channels (" +
                std::to_string(C) + ") and the output channels (" + std::to_string(K) + ")");
  if (w.size(1) * groups != C)
    throw Error("conv2d: input has " + std::to_string(C) + " channels but the weight " +
                shape_str(w.shape()) + " with groups " + std::to_string(groups) + " expects " +
                std::to_string(w.size(1) * groups));
  if (b.defined() && (b.ndim() != 1 || b.size(0) != K))
    throw Error("conv2d: bias shape " + shape_str(b.shape()) + " does not match " +
                std::to_string(K) + " output channels");
  if (!act_fusable(act))
    throw Error("conv2d: " + act_name(act) + " cannot be fused; apply it separately");
  if (H + 2 * padding.h < dilation.h * (R - 1) + 1 || W + 2 * padding.w < dilation.w * (S - 1) + 1)
    throw Error("conv2d: input " + std::to_string(H) + "x" + std::to_string(W) + " (padding " +
                s2(padding) + ") is smaller than the " + std::to_string(R) + "x" +
                std::to_string(S) + " kernel with dilation " + s2(dilation));
  detail::check_same_device(op, {x, w, b});
  Backend& be = backend_for(x.device(), op);
  const Device dev = x.device();

  kernels::ConvShape s;
  s.N = N, s.C = C, s.H = H, s.W = W, s.K = K, s.R = R, s.S = S;
  s.stride_h = stride.h, s.stride_w = stride.w, s.pad_h = padding.h, s.pad_w = padding.w;
  s.dil_h = dilation.h, s.dil_w = dilation.w, s.groups = groups;
  HG_CHECK(s.valid(), "conv2d: invalid geometry after the checks");

  Tensor y = Tensor::empty({N, K, s.out_h(), s.out_w()}, x.device());
  be.conv2d_forward(s, x.data(), w.data(), b.defined() ? b.data() : nullptr, y.data(), act, alpha);

  if (autograd::any_requires_grad({x, w, b})) {
    Tensor y_saved = y.detach();  // the activation's derivative is a function of y alone
    autograd::record(y, op, {x, w, b}, [=, &be](const Tensor& g) -> std::vector<Tensor> {
      Tensor dpre = g;
      if (act != Act::None) {
        dpre = Tensor::empty(g.shape(), g.device());
        dk::act_backward(dev, act, y_saved.data(), y_saved.data(), g.data(), dpre.data(), g.numel(),
                         alpha);
      }
      Tensor dx, dw, db;
      if (x.requires_grad()) {
        dx = Tensor::empty(x.shape(), x.device());
        be.conv2d_backward_data(s, dpre.data(), w.data(), dx.data());
      }
      const bool want_b = b.defined() && b.requires_grad();
      if (w.requires_grad() || want_b) {
        dw = Tensor::empty(w.shape(), w.device());  // computed with the bias even when unused
        if (want_b) db = Tensor::empty({K}, b.device());
        be.conv2d_backward_weight(s, x.data(), dpre.data(), dw.data(),
                                  want_b ? db.data() : nullptr);
        if (!w.requires_grad()) dw = Tensor();
      }
      return {dx, dw, db};
    });
  }
  return y;
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride,
                        Size2 padding, Size2 output_padding, Size2 dilation, int64_t groups) {
  const char* op = "conv_transpose2d";
  check_defined(op, x, "input");
  check_defined(op, w, "weight");
  check_4d(op, x, "input", "[N, C_in, H, W]");
  check_4d(op, w, "weight", "[C_in, C_out/groups, R, S]");
  check_geometry(op, stride, padding, dilation, groups);
  if (output_padding.h < 0 || output_padding.w < 0 || output_padding.h >= stride.h ||
      output_padding.w >= stride.w)
    throw Error("conv_transpose2d: output_padding " + s2(output_padding) +
                " must be non-negative and smaller than the stride " + s2(stride));
  const int64_t N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t R = w.size(2), S = w.size(3);
  if (w.size(0) != Cin)
    throw Error("conv_transpose2d: input has " + std::to_string(Cin) + " channels but the weight " +
                shape_str(w.shape()) + " expects " + std::to_string(w.size(0)));
  if (Cin % groups != 0)
    throw Error("conv_transpose2d: groups " + std::to_string(groups) +
                " must divide the input channels (" + std::to_string(Cin) + ")");
  const int64_t Cout = w.size(1) * groups;
  const int64_t Ho =
      (H - 1) * stride.h - 2 * padding.h + dilation.h * (R - 1) + output_padding.h + 1;
  const int64_t Wo =
      (W - 1) * stride.w - 2 * padding.w + dilation.w * (S - 1) + output_padding.w + 1;
  if (Ho <= 0 || Wo <= 0)
    throw Error("conv_transpose2d: the output would be " + std::to_string(Ho) + "x" +
                std::to_string(Wo) + " for input " + std::to_string(H) + "x" + std::to_string(W) +
                " with padding " + s2(padding) + "; reduce the padding");
  if (b.defined() && (b.ndim() != 1 || b.size(0) != Cout))
    throw Error("conv_transpose2d: bias shape " + shape_str(b.shape()) + " does not match " +
                std::to_string(Cout) + " output channels");
  detail::check_same_device(op, {x, w, b});
  Backend& be = backend_for(x.device(), op);

  // The convolution this is the transpose of: its input is our output, its output our input.
  kernels::ConvShape s;
  s.N = N, s.C = Cout, s.H = Ho, s.W = Wo, s.K = Cin, s.R = R, s.S = S;
  s.stride_h = stride.h, s.stride_w = stride.w, s.pad_h = padding.h, s.pad_w = padding.w;
  s.dil_h = dilation.h, s.dil_w = dilation.w, s.groups = groups;
  HG_CHECK(s.valid() && s.out_h() == H && s.out_w() == W,
           "conv_transpose2d: the adjoint convolution's geometry does not round-trip");

  Tensor y = Tensor::empty({N, Cout, Ho, Wo}, x.device());
  be.conv2d_backward_data(s, x.data(), w.data(), y.data());
  if (b.defined()) add_channel_bias(be, y, b, N, Cout, Ho * Wo);

  autograd::record(y, op, {x, w, b}, [=, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx, dw, db;
    if (x.requires_grad()) {  // the adjoint of backward-data is the forward convolution
      dx = Tensor::empty(x.shape(), x.device());
      be.conv2d_forward(s, g.data(), w.data(), nullptr, dx.data(), Act::None, 0.0f);
    }
    if (w.requires_grad()) {  // x of the adjoint convolution is g, its output gradient is x
      dw = Tensor::empty(w.shape(), w.device());
      be.conv2d_backward_weight(s, g.data(), x.data(), dw.data(), nullptr);
    }
    if (b.defined() && b.requires_grad()) db = detail::channel_sum(g, N, Cout, Ho * Wo);
    return {dx, dw, db};
  });
  return y;
}

}  // namespace hg::ops
