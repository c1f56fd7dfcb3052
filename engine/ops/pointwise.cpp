// The ops of the pointwise table (kernels/common/pointwise.h), one template per shape of op:
// check the inputs, run the row's kernel on the inputs' device (detail::dispatch), record the
// backward. A unary op's backward is the row's derivative in one fused pass; a binary op's is
// written with other ops, one line per input (backward runs without recording, so these build no
// graph of their own).
#include "kernels/cpu/pointwise.h"
#include "engine/autograd/autograd.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"
#ifdef HG_WITH_CUDA
#include "kernels/cuda/ops/pointwise.h"
#endif

namespace hg::ops {
namespace {

namespace pw = kernels::pointwise;
namespace kcpu = kernels::cpu;
#ifdef HG_WITH_CUDA
namespace kcuda = kernels::cuda;
#endif

template <class Op>
Tensor unary_op(const Tensor& x) {
  detail::check_defined(Op::name, x, "input");
  Tensor y = Tensor::empty(x.shape(), x.device());
  detail::dispatch(x.device(), Op::name, kcpu::unary<Op>, HG_CUDA_KERNEL(kcuda::unary<Op>),
                   x.data(), y.data(), x.numel());
  const Tensor xs = x.detach(), ys = y.detach();
  autograd::record(y, Op::name, {x}, [xs, ys](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(g.shape(), g.device());
    detail::dispatch(g.device(), Op::name, kcpu::unary_backward<Op>,
                     HG_CUDA_KERNEL(kcuda::unary_backward<Op>), xs.data(), ys.data(), g.data(),
                     dx.data(), g.numel());
    return {dx};
  });
  return y;
}

// dL/da and dL/db from g = dL/dy, for the inputs that require grad (undefined for the others).
struct BinaryGrads {
  Tensor da, db;
};
template <class Op>
BinaryGrads binary_grads(const Tensor& g, const Tensor& a, const Tensor& b, const Tensor& y);

template <>
BinaryGrads binary_grads<pw::Add>(const Tensor& g, const Tensor&, const Tensor&, const Tensor&) {
  return {g, g};
}
template <>
BinaryGrads binary_grads<pw::Sub>(const Tensor& g, const Tensor&, const Tensor& b, const Tensor&) {
  return {g, b.requires_grad() ? neg(g) : Tensor()};
}
template <>
BinaryGrads binary_grads<pw::Mul>(const Tensor& g, const Tensor& a, const Tensor& b,
                                  const Tensor&) {
  return {a.requires_grad() ? mul(g, b) : Tensor(), b.requires_grad() ? mul(g, a) : Tensor()};
}
// y = a / b: da = g / b, db = -g a / b^2 = -(g / b) y.
template <>
BinaryGrads binary_grads<pw::Div>(const Tensor& g, const Tensor& a, const Tensor& b,
                                  const Tensor& y) {
  const Tensor g_over_b = div(g, b);
  return {a.requires_grad() ? g_over_b : Tensor(),
          b.requires_grad() ? neg(mul(g_over_b, y)) : Tensor()};
}

template <class Op>
Tensor binary_op(const Tensor& a, const Tensor& b) {
  detail::check_defined(Op::name, a, "left operand");
  detail::check_defined(Op::name, b, "right operand");
  detail::check_same_shape(Op::name, a, b);
  detail::check_same_device(Op::name, {a, b});
  Tensor y = Tensor::empty(a.shape(), a.device());
  detail::dispatch(a.device(), Op::name, kcpu::binary<Op>, HG_CUDA_KERNEL(kcuda::binary<Op>),
                   a.data(), b.data(), y.data(), y.numel());
  const Tensor ys = y.detach();
  autograd::record(y, Op::name, {a, b}, [a, b, ys](const Tensor& g) -> std::vector<Tensor> {
    BinaryGrads d = binary_grads<Op>(g, a, b, ys);
    return {d.da, d.db};
  });
  return y;
}

}  // namespace

#define HG_DEFINE_UNARY(Row, fn) \
  Tensor fn(const Tensor& x) { return unary_op<pw::Row>(x); }
#define HG_DEFINE_BINARY(Row, fn) \
  Tensor fn(const Tensor& a, const Tensor& b) { return binary_op<pw::Row>(a, b); }
HG_UNARY_OPS(HG_DEFINE_UNARY)
HG_BINARY_OPS(HG_DEFINE_BINARY)

void add_(Tensor& a, const Tensor& b) {
  detail::check_same_device("add_", {a, b});
  if (a.numel() != b.numel()) detail::check_same_shape("add_", a, b);
  detail::dispatch(a.device(), "add_", kcpu::binary<pw::Add>,
                   HG_CUDA_KERNEL(kcuda::binary<pw::Add>), a.data(), b.data(), a.data(), a.numel());
}

}  // namespace hg::ops
