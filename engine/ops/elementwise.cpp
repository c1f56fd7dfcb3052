// Elementwise ops: arithmetic and activations. Each output element depends on one element of each
// input, so every backward is itself elementwise.
#include "engine/autograd/autograd.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"
#include "engine/ops/backend.h"

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

Tensor binary_prologue(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_defined(op, a, "left operand");
  detail::check_defined(op, b, "right operand");
  detail::check_same_shape(op, a, b);
  detail::check_same_device(op, {a, b});
  backend_for(a.device(), op);
  return Tensor::empty(a.shape(), a.device());
}

Tensor unary_prologue(const char* op, const Tensor& x) {
  detail::check_defined(op, x, "input");
  backend_for(x.device(), op);
  return Tensor::empty(x.shape(), x.device());
}

// The backend of a tensor's device (backend_for throws for a device this build cannot use).
Backend& be(const Tensor& t) { return backend_for(t.device(), "elementwise op"); }

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_prologue("add", a, b);
  be(a).add(a.data(), b.data(), y.data(), y.numel());
  autograd::record(y, "add", {a, b}, [](const Tensor& g) -> std::vector<Tensor> { return {g, g}; });
  return y;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = binary_prologue("sub", a, b);
  be(a).sub(a.data(), b.data(), y.data(), y.numel());
  autograd::record(y, "sub", {a, b}, [b](const Tensor& g) -> std::vector<Tensor> {
    Tensor nb;
    if (b.requires_grad()) {
      nb = Tensor::empty(g.shape(), g.device());
      be(g).scale(g.data(), -1.0f, nb.data(), g.numel());
    }
    return {g, nb};
  });
  return y;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = binary_prologue("mul", a, b);
  be(a).mul(a.data(), b.data(), y.data(), y.numel());
  autograd::record(y, "mul", {a, b}, [a, b](const Tensor& g) -> std::vector<Tensor> {
    Tensor da, db;
    if (a.requires_grad()) {
      da = Tensor::empty(g.shape(), g.device());
      be(g).mul(g.data(), b.data(), da.data(), g.numel());
    }
    if (b.requires_grad()) {
      db = Tensor::empty(g.shape(), g.device());
      be(g).mul(g.data(), a.data(), db.data(), g.numel());
    }
    return {da, db};
  });
  return y;
}

Tensor add_scalar(const Tensor& x, float s) {
  Tensor y = unary_prologue("add_scalar", x);
  be(x).add_scalar(x.data(), s, y.data(), y.numel());
  autograd::record(y, "add_scalar", {x}, [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
  return y;
}

Tensor mul_scalar(const Tensor& x, float s) {
  Tensor y = unary_prologue("mul_scalar", x);
  be(x).scale(x.data(), s, y.data(), y.numel());
  autograd::record(y, "mul_scalar", {x}, [s](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(g.shape(), g.device());
    be(g).scale(g.data(), s, dx.data(), g.numel());
    return {dx};
  });
  return y;
}

Tensor exp(const Tensor& x) {
  Tensor y = unary_prologue("exp", x);
  be(x).exp(x.data(), y.data(), y.numel());
  Tensor ys = y.detach();
  autograd::record(y, "exp", {x}, [ys](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(g.shape(), g.device());
    be(g).mul(g.data(), ys.data(), dx.data(), g.numel());
    return {dx};
  });
  return y;
}

Tensor log(const Tensor& x) {
  Tensor y = unary_prologue("log", x);
  be(x).log(x.data(), y.data(), y.numel());
  autograd::record(y, "log", {x}, [x](const Tensor& g) -> std::vector<Tensor> {
    // d/dx ln x = 1/x: divide through a reciprocal so the kernel set stays small.
    Tensor inv = Tensor::empty(g.shape(), g.device());
    be(x).log(x.data(), inv.data(), g.numel());
    be(inv).scale(inv.data(), -1.0f, inv.data(), g.numel());
    be(inv).exp(inv.data(), inv.data(), g.numel());
    be(g).mul(g.data(), inv.data(), inv.data(), g.numel());
    return {inv};
  });
  return y;
}

Tensor activation(const Tensor& x, Act act, float alpha) {
  Tensor y = unary_prologue("activation", x);
  be(x).act_forward(act, x.data(), y.data(), y.numel(), alpha);
  Tensor ys = y.detach();
  autograd::record(y, "activation", {x}, [x, ys, act, alpha](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(g.shape(), g.device());
    be(g).act_backward(act, x.data(), ys.data(), g.data(), dx.data(), g.numel(), alpha);
    return {dx};
  });
  return y;
}

void add_(Tensor& a, const Tensor& b) {
  detail::check_same_device("add_", {a, b});
  if (a.numel() != b.numel()) detail::check_same_shape("add_", a, b);
  be(a).add(a.data(), b.data(), a.data(), a.numel());
}

void axpy_(Tensor& y, float a, const Tensor& x) {
  detail::check_same_device("axpy_", {y, x});
  if (y.numel() != x.numel()) detail::check_same_shape("axpy_", y, x);
  be(x).axpy(a, x.data(), y.data(), y.numel());
}

void scale_(Tensor& a, float s) {
  be(a).scale(a.data(), s, a.data(), a.numel());
}

}  // namespace hg::ops
