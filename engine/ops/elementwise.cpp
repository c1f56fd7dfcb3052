// Elementwise ops with a scalar, activations and the in-place updates (the pointwise table's ops:
// engine/ops/pointwise.cpp). Each output element depends on one element of each
// input, so every backward is itself elementwise.
#include "engine/autograd/autograd.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

Act parse_act(const std::string& name) {
  if (name == "linear" || name == "identity") return Act::None;
  std::string known;
#define HG_ACT_PARSE(Row)                                  \
  if (name == kernels::actrow::Row::name) return Act::Row; \
  known += std::string(known.empty() ? "" : ", ") + kernels::actrow::Row::name;
  HG_ACTIVATIONS(HG_ACT_PARSE)
#undef HG_ACT_PARSE
  throw Error("unknown activation '" + name + "' (expected one of " + known + ")");
}

std::string act_name(Act a) {
  return kernels::visit_act(a, [](auto row) { return std::string(decltype(row)::name); });
}

namespace {

Tensor unary_prologue(const char* op, const Tensor& x) {
  detail::check_defined(op, x, "input");
  return Tensor::empty(x.shape(), x.device());
}

}  // namespace

Tensor add_scalar(const Tensor& x, float s) {
  Tensor y = unary_prologue("add_scalar", x);
  dk::add_scalar(x.device(), x.data(), s, y.data(), y.numel());
  autograd::record(y, "add_scalar", {x},
                   [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
  return y;
}

Tensor mul_scalar(const Tensor& x, float s) {
  Tensor y = unary_prologue("mul_scalar", x);
  dk::scale(x.device(), x.data(), s, y.data(), y.numel());
  autograd::record(y, "mul_scalar", {x}, [s](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(g.shape(), g.device());
    dk::scale(g.device(), g.data(), s, dx.data(), g.numel());
    return {dx};
  });
  return y;
}

Tensor activation(const Tensor& x, Act act, float alpha) {
  Tensor y = unary_prologue("activation", x);
  dk::act_forward(x.device(), act, x.data(), y.data(), y.numel(), alpha);
  Tensor ys = y.detach();
  autograd::record(y, "activation", {x},
                   [x, ys, act, alpha](const Tensor& g) -> std::vector<Tensor> {
                     Tensor dx = Tensor::empty(g.shape(), g.device());
                     dk::act_backward(g.device(), act, x.data(), ys.data(), g.data(), dx.data(),
                                      g.numel(), alpha);
                     return {dx};
                   });
  return y;
}

void axpy_(Tensor& y, float a, const Tensor& x) {
  detail::check_same_device("axpy_", {y, x});
  if (y.numel() != x.numel()) detail::check_same_shape("axpy_", y, x);
  dk::axpy(x.device(), a, x.data(), y.data(), y.numel());
}

void scale_(Tensor& a, float s) { dk::scale(a.device(), a.data(), s, a.data(), a.numel()); }

}  // namespace hg::ops
