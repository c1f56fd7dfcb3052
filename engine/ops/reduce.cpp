// Reductions and reshape. Sums accumulate in double inside the kernels, so a mean over a whole
// epoch's worth of elements does not drift.
#include "engine/autograd/autograd.h"
#include "engine/ops/backend.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

namespace {

Tensor full_reduce(const char* op, const Tensor& x, double scale) {
  detail::check_defined(op, x, "input");
  Backend& be = backend_for(x.device(), op);
  Tensor y = Tensor::empty({}, x.device());
  be.sum(x.data(), x.numel(), static_cast<float>(scale), y.data());
  Shape shape = x.shape();
  autograd::record(y, op, {x}, [shape, scale, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(shape, g.device());
    be.broadcast_scalar(g.data(), static_cast<float>(scale), dx.data(), dx.numel());
    return {dx};
  });
  return y;
}

Tensor row_reduce(const char* op, const Tensor& x, double scale) {
  detail::check_defined(op, x, "input");
  detail::check_2d(op, x, "input");
  Backend& be = backend_for(x.device(), op);
  const Device dev = x.device();
  const int64_t B = x.size(0), D = x.size(1);
  Tensor y = Tensor::empty({B}, x.device());
  dk::sum_rows(dev, x.data(), y.data(), B, D);
  if (scale != 1.0) dk::scale(dev, y.data(), static_cast<float>(scale), y.data(), B);
  autograd::record(y, op, {x}, [B, D, scale, &be, dev](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty({B, D}, g.device());
    be.broadcast_rows(g.data(), static_cast<float>(scale), dx.data(), B,
                      D);  // dx[i, j] = scale g[i]
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
  return row_reduce("mean_rows", x,
                    x.ndim() == 2 && x.size(1) ? 1.0 / static_cast<double>(x.size(1)) : 1.0);
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
  impl->offset = x.impl()->offset;
  Tensor y(std::move(impl));
  Shape in_shape = x.shape();
  autograd::record(y, "reshape", {x}, [in_shape](const Tensor& g) -> std::vector<Tensor> {
    return {reshape(g, in_shape)};
  });
  return y;
}

}  // namespace hg::ops
