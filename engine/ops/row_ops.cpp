// Row-wise and column-wise ops: act_derivative, sum_cols / mean_cols, repeat_rows,
// tile_rows, scale_rows, slice_cols. Each backward is another data-movement kernel or a
// deterministic reduction (kernels/cpu/rows.h and its CUDA twin), so gradients are reproducible.
#include <string>

#include "engine/autograd/autograd.h"
#include "engine/ops/backend.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

using detail::check_2d;
using detail::check_defined;

Tensor act_derivative(const Tensor& y, Act a, float alpha) {
  const char* op = "act_derivative";
  check_defined(op, y, "input");
  if (!kernels::act_has_deriv(a))
    throw Error("act_derivative: " + act_name(a) +
                " is not supported (its derivative is not written through its output)");
  const Device dev = y.device();
  Tensor d = Tensor::empty(y.shape(), y.device());
  dk::act_derivative(dev, a, y.data(), d.data(), d.numel(), alpha);
  // Piecewise-linear kinds: d is constant between the kinks, its derivative 0; nothing to record.
  if (a == Act::Sigmoid || a == Act::Tanh) {
    const Tensor ys = y.detach();
    autograd::record(d, op, {y}, [ys, a](const Tensor& g) -> std::vector<Tensor> {
      // d/dy of y (1 - y) is 1 - 2y; of 1 - y^2 it is -2y.
      if (a == Act::Sigmoid) return {mul(g, add_scalar(mul_scalar(ys, -2.0f), 1.0f))};
      return {mul(g, mul_scalar(ys, -2.0f))};
    });
  }
  return d;
}

namespace {

Tensor col_reduce(const char* op, const Tensor& x, bool mean) {
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  const int64_t B = x.size(0), D = x.size(1);
  if (mean && B == 0)
    throw Error(std::string(op) + ": input " + shape_str(x.shape()) + " has no rows");
  Backend& be = backend_for(x.device(), op);
  const Device dev = x.device();
  Tensor y = Tensor::empty({D}, x.device());
  if (B == 0) {
    dk::fill(dev, y.data(), 0.0f, D);
  } else {
    be.sum_cols(x.data(), y.data(), B, D);
    if (mean) dk::scale(dev, y.data(), 1.0f / static_cast<float>(B), y.data(), D);
  }
  autograd::record(y, op, {x}, [B, D, mean, &be, dev](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty({B, D}, g.device());
    if (mean) {  // scale the D values once, then copy them to every row
      Tensor gs = Tensor::empty({D}, g.device());
      dk::scale(dev, g.data(), 1.0f / static_cast<float>(B), gs.data(), D);
      dk::tile_rows(dev, gs.data(), dx.data(), 1, D, B);
    } else {
      dk::tile_rows(dev, g.data(), dx.data(), 1, D, B);
    }
    return {dx};
  });
  return y;
}

}  // namespace

Tensor sum_cols(const Tensor& x) { return col_reduce("sum_cols", x, false); }
Tensor mean_cols(const Tensor& x) { return col_reduce("mean_cols", x, true); }

Tensor repeat_rows(const Tensor& x, int64_t k) {
  const char* op = "repeat_rows";
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  if (k < 1)
    throw Error("repeat_rows: k must be >= 1, got " + std::to_string(k) + " (input " +
                shape_str(x.shape()) + ")");
  const Device dev = x.device();
  const int64_t B = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({B * k, D}, x.device());
  dk::repeat_rows(dev, x.data(), y.data(), B, D, k);
  autograd::record(y, op, {x},
                   [k](const Tensor& g) -> std::vector<Tensor> { return {sum_row_groups(g, k)}; });
  return y;
}

Tensor sum_row_groups(const Tensor& x, int64_t k) {
  const char* op = "sum_row_groups";
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  if (k < 1 || x.size(0) % k != 0)
    throw Error("sum_row_groups: k = " + std::to_string(k) +
                " must be >= 1 and divide the rows of " + shape_str(x.shape()));
  const int64_t B = x.size(0) / k, D = x.size(1);
  Tensor y = Tensor::empty({B, D}, x.device());
  dk::sum_row_groups(x.device(), x.data(), y.data(), B, k, D);
  autograd::record(y, op, {x},
                   [k](const Tensor& g) -> std::vector<Tensor> { return {repeat_rows(g, k)}; });
  return y;
}

Tensor tile_rows(const Tensor& x, int64_t times) {
  const char* op = "tile_rows";
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  if (times < 1)
    throw Error("tile_rows: times must be >= 1, got " + std::to_string(times) + " (input " +
                shape_str(x.shape()) + ")");
  const int64_t K = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({times * K, D}, x.device());
  dk::tile_rows(x.device(), x.data(), y.data(), K, D, times);
  autograd::record(y, op, {x}, [K, D, times](const Tensor& g) -> std::vector<Tensor> {
    // The gradient viewed as [times, K*D]: its column sums are the sums over the blocks.
    return {reshape(sum_cols(reshape(g, {times, K * D})), {K, D})};
  });
  return y;
}

Tensor scale_rows(const Tensor& x, const Tensor& s) {
  const char* op = "scale_rows";
  check_defined(op, x, "input");
  check_defined(op, s, "row scales");
  check_2d(op, x, "input");
  if (s.ndim() != 1 || s.size(0) != x.size(0))
    throw Error("scale_rows: row scales must have shape [" + std::to_string(x.size(0)) +
                "] for input " + shape_str(x.shape()) + ", got " + shape_str(s.shape()));
  detail::check_same_device(op, {x, s});
  const Device dev = x.device();
  const int64_t R = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({R, D}, x.device());
  dk::scale_rows(dev, x.data(), s.data(), y.data(), R, D);
  const Tensor xs = x.detach(), ss = s.detach();
  const bool want_x = x.requires_grad(), want_s = s.requires_grad();
  autograd::record(y, op, {x, s}, [xs, ss, want_x, want_s](const Tensor& g) -> std::vector<Tensor> {
    return {want_x ? scale_rows(g, ss) : Tensor(), want_s ? row_dot(g, xs) : Tensor()};
  });
  return y;
}

Tensor row_dot(const Tensor& a, const Tensor& b) {
  const char* op = "row_dot";
  check_defined(op, a, "first input");
  check_defined(op, b, "second input");
  check_2d(op, a, "first input");
  detail::check_same_shape(op, a, b);
  detail::check_same_device(op, {a, b});
  const int64_t R = a.size(0), D = a.size(1);
  Tensor y = Tensor::empty({R}, a.device());
  dk::row_dot(a.device(), a.data(), b.data(), y.data(), R, D);
  const Tensor as = a.detach(), bs = b.detach();
  const bool want_a = a.requires_grad(), want_b = b.requires_grad();
  autograd::record(y, op, {a, b}, [as, bs, want_a, want_b](const Tensor& g) -> std::vector<Tensor> {
    return {want_a ? scale_rows(bs, g) : Tensor(), want_b ? scale_rows(as, g) : Tensor()};
  });
  return y;
}

Tensor slice_cols(const Tensor& x, int64_t start, int64_t len) {
  const char* op = "slice_cols";
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  const int64_t B = x.size(0), D = x.size(1);
  if (start < 0 || len < 0 || start > D || len > D - start)
    throw Error("slice_cols: columns [" + std::to_string(start) + ", " + std::to_string(start) +
                " + " + std::to_string(len) + ") out of range for input " + shape_str(x.shape()));
  Tensor y = Tensor::empty({B, len}, x.device());
  dk::slice_cols(x.device(), x.data(), y.data(), B, D, start, len);
  autograd::record(y, op, {x}, [D, start](const Tensor& g) -> std::vector<Tensor> {
    return {pad_cols(g, D, start)};
  });
  return y;
}

Tensor pad_cols(const Tensor& x, int64_t cols, int64_t start) {
  const char* op = "pad_cols";
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  const int64_t B = x.size(0), len = x.size(1);
  if (start < 0 || cols < len || start > cols - len)
    throw Error("pad_cols: columns [" + std::to_string(start) + ", " + std::to_string(start) +
                " + " + std::to_string(len) + ") do not fit in " + std::to_string(cols) +
                " columns (input " + shape_str(x.shape()) + ")");
  Tensor y = Tensor::empty({B, cols}, x.device());
  dk::slice_cols_backward(x.device(), x.data(), y.data(), B, cols, start, len);
  autograd::record(y, op, {x}, [start, len](const Tensor& g) -> std::vector<Tensor> {
    return {slice_cols(g, start, len)};
  });
  return y;
}

void gather_rows_into(const Tensor& src, const int64_t* order, Tensor& dst) {
  const char* op = "gather_rows_into";
  check_defined(op, src, "source");
  check_defined(op, dst, "destination");
  check_2d(op, src, "source");
  if (dst.shape() != src.shape() || dst.device() != src.device())
    throw Error(std::string(op) + ": destination " + shape_str(dst.shape()) + " on " +
                dst.device().str() + " does not match source " + shape_str(src.shape()) + " on " +
                src.device().str());
  backend_for(src.device(), op)
      .gather_rows(src.data(), order, src.size(0), src.size(1), dst.data());
}

}  // namespace hg::ops
