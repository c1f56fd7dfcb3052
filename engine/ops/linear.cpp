// linear and matmul: the GEMM-backed ops. Forward is one GEMM with bias and activation fused into
// its epilogue; backward is the three products dX = dY·W, dW = dYᵀ·X and db = Σ_rows dY.
#include "engine/autograd/autograd.h"
#include "engine/ops/backend.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

using detail::check_2d;
using detail::check_defined;

Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b, Act act, float alpha) {
  const char* op = "linear";
  check_defined(op, x, "input");
  check_defined(op, W, "weight");
  check_2d(op, x, "input");
  check_2d(op, W, "weight");
  const int64_t B = x.size(0), in = x.size(1), out = W.size(0);
  if (W.size(1) != in)
    throw Error("linear: input has " + std::to_string(in) + " features but the weight expects " +
                std::to_string(W.size(1)) + " (weight shape " + shape_str(W.shape()) + ")");
  if (b.defined() && (b.ndim() != 1 || b.size(0) != out))
    throw Error("linear: bias shape " + shape_str(b.shape()) + " does not match " +
                std::to_string(out) + " outputs");
  if (!act_fusable(act))
    throw Error("linear: " + act_name(act) + " cannot be fused; apply it separately");
  detail::check_same_device(op, {x, W, b});
  Backend& be = backend_for(x.device(), op);
  const Device dev = x.device();

  Tensor y = Tensor::empty({B, out}, x.device());
  Epilogue ep;
  ep.bias = b.defined() ? b.data() : nullptr;
  ep.act = act;
  ep.act_alpha = alpha;
  be.gemm(Trans::N, Trans::T, B, out, in, 1.0f, x.data(), in, W.data(), in, 0.0f, y.data(), out,
          ep);

  if (autograd::any_requires_grad({x, W, b})) {
    Tensor y_saved = y.detach();  // the activation's derivative is a function of y alone
    autograd::record(y, op, {x, W, b}, [=, &be](const Tensor& g) -> std::vector<Tensor> {
      Tensor dpre = g;
      if (act != Act::None) {
        dpre = Tensor::empty(g.shape(), g.device());
        dk::act_backward(dev, act, y_saved.data(), y_saved.data(), g.data(), dpre.data(), g.numel(),
                         alpha);
      }
      Tensor dx, dW, db;
      if (x.requires_grad()) {
        dx = Tensor::empty({B, in}, x.device());
        be.gemm(Trans::N, Trans::N, B, in, out, 1.0f, dpre.data(), out, W.data(), in, 0.0f,
                dx.data(), in);
      }
      if (W.requires_grad()) {
        dW = Tensor::empty({out, in}, W.device());
        be.gemm(Trans::T, Trans::N, out, in, B, 1.0f, dpre.data(), out, x.data(), in, 0.0f,
                dW.data(), in);
      }
      if (b.defined() && b.requires_grad()) {
        db = Tensor::empty({out}, b.device());
        be.sum_cols(dpre.data(), db.data(), B, out);
      }
      return {dx, dW, db};
    });
  }
  return y;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  const char* op = "matmul";
  check_defined(op, a, "left operand");
  check_defined(op, b, "right operand");
  check_2d(op, a, "left operand");
  check_2d(op, b, "right operand");
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  if (b.size(0) != K)
    throw Error("matmul: inner sizes differ: " + shape_str(a.shape()) + " · " +
                shape_str(b.shape()));
  detail::check_same_device(op, {a, b});
  Backend& be = backend_for(a.device(), op);

  Tensor c = Tensor::empty({M, N}, a.device());
  be.gemm(Trans::N, Trans::N, M, N, K, 1.0f, a.data(), K, b.data(), N, 0.0f, c.data(), N);
  autograd::record(c, op, {a, b}, [=, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor da, db;
    if (a.requires_grad()) {
      da = Tensor::empty({M, K}, a.device());
      be.gemm(Trans::N, Trans::T, M, K, N, 1.0f, g.data(), N, b.data(), N, 0.0f, da.data(), K);
    }
    if (b.requires_grad()) {
      db = Tensor::empty({K, N}, b.device());
      be.gemm(Trans::T, Trans::N, K, N, M, 1.0f, a.data(), K, g.data(), N, 0.0f, db.data(), N);
    }
    return {da, db};
  });
  return c;
}

}  // namespace hg::ops
