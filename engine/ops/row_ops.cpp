// Row-wise and column-wise ops: act_derivative, sum_cols / mean_cols, repeat_rows,
// tile_rows, scale_rows, slice_cols. Each backward is another data-movement kernel or a
// deterministic reduction (kernels/cpu/rows.h and its CUDA twin), so gradients are reproducible.
#include <string>

#include "engine/autograd/autograd.h"
#include "engine/ops/backend.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

using detail::check_2d;
using detail::check_defined;

Tensor act_derivative(const Tensor& y, Act a, float alpha) {
  const char* op = "act_derivative";
  check_defined(op, y, "input");
  if (a == Act::Softplus)
    throw Error(
        "act_derivative: softplus is not supported (its derivative is not written "
        "through its output)");
  Backend& be = backend_for(y.device(), op);
  Tensor d = Tensor::empty(y.shape(), y.device());
  be.act_derivative(a, y.data(), d.data(), d.numel(), alpha);
  // Piecewise-linear kinds: d is constant between the kinks, its derivative 0; nothing to record.
  if (a == Act::Sigmoid || a == Act::Tanh) {
    autograd::record(d, op, {y}, [y, a, &be](const Tensor& g) -> std::vector<Tensor> {
      Tensor dy = Tensor::empty(g.shape(), g.device());
      be.act_derivative_backward(a, y.data(), g.data(), dy.data(), g.numel());
      return {dy};
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
  Tensor y = Tensor::empty({D}, x.device());
  if (B == 0) {
    be.fill(y.data(), 0.0f, D);
  } else {
    be.sum_cols(x.data(), y.data(), B, D);
    if (mean) be.scale(y.data(), 1.0f / static_cast<float>(B), y.data(), D);
  }
  autograd::record(y, op, {x}, [B, D, mean, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty({B, D}, g.device());
    if (mean) {  // scale the D values once, then copy them to every row
      Tensor gs = Tensor::empty({D}, g.device());
      be.scale(g.data(), 1.0f / static_cast<float>(B), gs.data(), D);
      be.tile_rows(gs.data(), dx.data(), 1, D, B);
    } else {
      be.tile_rows(g.data(), dx.data(), 1, D, B);
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
  Backend& be = backend_for(x.device(), op);
  const int64_t B = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({B * k, D}, x.device());
  be.repeat_rows(x.data(), y.data(), B, D, k);
  autograd::record(y, op, {x}, [B, D, k, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty({B, D}, g.device());
    be.sum_row_groups(g.data(), dx.data(), B, k, D);
    return {dx};
  });
  return y;
}

Tensor tile_rows(const Tensor& x, int64_t times) {
  const char* op = "tile_rows";
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  if (times < 1)
    throw Error("tile_rows: times must be >= 1, got " + std::to_string(times) + " (input " +
                shape_str(x.shape()) + ")");
  Backend& be = backend_for(x.device(), op);
  const int64_t K = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({times * K, D}, x.device());
  be.tile_rows(x.data(), y.data(), K, D, times);
  autograd::record(y, op, {x}, [K, D, times, &be](const Tensor& g) -> std::vector<Tensor> {
    // The gradient viewed as [times, K*D]: its column sums are the sum over the blocks.
    Tensor dx = Tensor::empty({K, D}, g.device());
    if (K * D > 0) be.sum_cols(g.data(), dx.data(), times, K * D);
    return {dx};
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
  Backend& be = backend_for(x.device(), op);
  const int64_t R = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({R, D}, x.device());
  be.scale_rows(x.data(), s.data(), y.data(), R, D);
  autograd::record(y, op, {x, s}, [x, s, R, D, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx, ds;
    if (x.requires_grad()) {
      dx = Tensor::empty({R, D}, g.device());
      be.scale_rows(g.data(), s.data(), dx.data(), R, D);
    }
    if (s.requires_grad()) {
      ds = Tensor::empty({R}, g.device());
      be.row_dot(g.data(), x.data(), ds.data(), R, D);
    }
    return {dx, ds};
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
  Backend& be = backend_for(x.device(), op);
  Tensor y = Tensor::empty({B, len}, x.device());
  be.slice_cols(x.data(), y.data(), B, D, start, len);
  autograd::record(y, op, {x}, [B, D, start, len, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty({B, D}, g.device());
    be.slice_cols_backward(g.data(), dx.data(), B, D, start, len);
    return {dx};
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
