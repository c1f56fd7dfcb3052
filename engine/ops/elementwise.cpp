// Elementwise ops with a scalar, activations and the in-place updates (the pointwise table's ops:
// engine/ops/pointwise.cpp). Each output element depends on one element of each
// input, so every backward is itself elementwise.
#include "engine/autograd/autograd.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

Act parse_act(const std::string& name) {
  if (name == "none" || name == "linear" || name == "identity") return Act::None;
  if (name == "relu") return Act::ReLU;
  if (name == "leaky_relu") return Act::LeakyReLU;
  if (name == "sigmoid") return Act::Sigmoid;
  if (name == "tanh") return Act::Tanh;
  if (name == "softplus") return Act::Softplus;
  throw Error("unknown activation '" + name +
              "' (expected none, relu, leaky_relu, sigmoid, tanh or softplus)");
}

std::string act_name(Act a) {
  switch (a) {
    case Act::None: return "none";
    case Act::ReLU: return "relu";
    case Act::LeakyReLU: return "leaky_relu";
    case Act::Sigmoid: return "sigmoid";
    case Act::Tanh: return "tanh";
    case Act::Softplus: return "softplus";
  }
  return "none";
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
