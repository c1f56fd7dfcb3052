// Reductions and reshape. Sums accumulate in double inside the kernels, so a mean over a whole
// epoch's worth of elements does not drift.
#include "engine/autograd/autograd.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/reduce.h"

namespace hg::ops {

namespace kc = kernels::cpu;

namespace {

Tensor full_reduce(const char* op, const Tensor& x, double scale) {
  detail::check_defined(op, x, "input");
  if (!x.device().is_cpu()) detail::no_cuda(op);
  const float value = static_cast<float>(kc::sum(x.data(), x.numel()) * scale);
  Tensor y = Tensor::scalar(value, x.device());
  Shape shape = x.shape();
  autograd::record(y, op, {x}, [shape, scale](const Tensor& g) -> std::vector<Tensor> {
    return {Tensor::full(shape, static_cast<float>(g.item() * scale), g.device())};
  });
  return y;
}

Tensor row_reduce(const char* op, const Tensor& x, double scale) {
  detail::check_defined(op, x, "input");
  detail::check_2d(op, x, "input");
  if (!x.device().is_cpu()) detail::no_cuda(op);
  const int64_t B = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({B}, x.device());
  kc::sum_rows(x.data(), y.data(), B, D);
  if (scale != 1.0) kc::scale(y.data(), static_cast<float>(scale), y.data(), B);
  autograd::record(y, op, {x}, [B, D, scale](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty({B, D}, g.device());
    // dx[i, j] = scale * g[i]: each row is one value broadcast.
    std::vector<float> gv = g.to_vector();
    float* d = dx.data();
    for (int64_t i = 0; i < B; ++i) kc::fill(d + i * D, static_cast<float>(gv[i] * scale), D);
    return {dx};
  });
  return y;
}

}  // namespace

Tensor sum(const Tensor& x) { return full_reduce("sum", x, 1.0); }
Tensor mean(const Tensor& x) {
  return full_reduce("mean", x, x.numel() ? 1.0 / static_cast<double>(x.numel()) : 0.0);
}
Tensor sum_rows(const Tensor& x) { return row_reduce("sum_rows", x, 1.0); }
Tensor mean_rows(const Tensor& x) {
  return row_reduce("mean_rows", x, x.ndim() == 2 && x.size(1) ? 1.0 / static_cast<double>(x.size(1)) : 1.0);
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  detail::check_defined("reshape", x, "input");
  Shape s = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw Error("reshape: more than one -1 in " + shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      if (s[i] < 0) throw Error("reshape: negative size in " + shape_str(shape));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      throw Error("reshape: cannot reshape " + shape_str(x.shape()) + " into " + shape_str(shape));
    s[static_cast<size_t>(infer)] = x.numel() / known;
  }
  if (numel_of(s) != x.numel())
    throw Error("reshape: cannot reshape " + shape_str(x.shape()) + " into " + shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = s;
  impl->numel = x.numel();
  impl->storage = x.impl()->storage;
  Tensor y(std::move(impl));
  Shape in_shape = x.shape();
  autograd::record(y, "reshape", {x}, [in_shape](const Tensor& g) -> std::vector<Tensor> {
    return {reshape(g, in_shape)};
  });
  return y;
}

}  // namespace hg::ops
