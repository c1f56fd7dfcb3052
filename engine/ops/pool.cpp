// Pooling, nearest upsampling and the flatten/unflatten views.
//
// max_pool2d keeps, for backward, the index of each output's winning input inside its (n, c)
// plane. Tensor is fp32-only, so the int32 indices live in the storage of an fp32 Tensor of the
// output's numel, read through reinterpret_cast<int32_t*> (same size, same alignment; the bits are
// never interpreted as floats). The buffer lives on the output's device like any other tensor.
#include <string>

#include "engine/autograd/autograd.h"
#include "engine/ops/conv_ops.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"

namespace hg::ops {

using detail::check_defined;

namespace {

static_assert(sizeof(int32_t) == sizeof(float) && alignof(int32_t) <= alignof(float),
              "max_pool2d stores int32 indices in fp32 storage");

std::string s2(Size2 v) { return "(" + std::to_string(v.h) + ", " + std::to_string(v.w) + ")"; }

kernels::PoolShape pool_shape(const char* op, const Tensor& x, Size2 kernel, Size2 stride,
                              Size2 padding) {
  check_defined(op, x, "input");
  if (x.ndim() != 4)
    throw Error(std::string(op) + ": input must be 4-D [N, C, H, W], got shape " +
                shape_str(x.shape()));
  if (kernel.h <= 0 || kernel.w <= 0)
    throw Error(std::string(op) + ": kernel size must be positive, got " + s2(kernel));
  if (stride.h == 0 && stride.w == 0) stride = kernel;  // PyTorch's default
  if (stride.h <= 0 || stride.w <= 0)
    throw Error(std::string(op) + ": stride must be positive, got " + s2(stride));
  if (padding.h < 0 || padding.w < 0 || 2 * padding.h > kernel.h || 2 * padding.w > kernel.w)
    throw Error(std::string(op) + ": padding " + s2(padding) +
                " must be non-negative and at most half the kernel " + s2(kernel));
  kernels::PoolShape s;
  s.N = x.size(0), s.C = x.size(1), s.H = x.size(2), s.W = x.size(3);
  s.kh = kernel.h, s.kw = kernel.w, s.stride_h = stride.h, s.stride_w = stride.w;
  s.pad_h = padding.h, s.pad_w = padding.w;
  if (s.H + 2 * s.pad_h < s.kh || s.W + 2 * s.pad_w < s.kw)
    throw Error(std::string(op) + ": input " + std::to_string(s.H) + "x" + std::to_string(s.W) +
                " (padding " + s2(padding) + ") is smaller than the kernel " + s2(kernel));
  if (!s.valid()) throw Error(std::string(op) + ": empty input shape " + shape_str(x.shape()));
  return s;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  const char* op = "max_pool2d";
  const kernels::PoolShape s = pool_shape(op, x, kernel, stride, padding);
  const Device dev = x.device();
  Tensor y = Tensor::empty({s.N, s.C, s.out_h(), s.out_w()}, x.device());
  Tensor argmax = Tensor::empty({s.y_numel()}, x.device());  // int32 indices, see the file head
  dk::maxpool2d_forward(dev, s, x.data(), y.data(), reinterpret_cast<int32_t*>(argmax.data()));
  Shape in_shape = x.shape();
  autograd::record(y, op, {x}, [=](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(in_shape, g.device());
    dk::maxpool2d_backward(dev, s, g.data(), reinterpret_cast<const int32_t*>(argmax.data()),
                           dx.data());
    return {dx};
  });
  return y;
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  const char* op = "avg_pool2d";
  const kernels::PoolShape s = pool_shape(op, x, kernel, stride, padding);
  const Device dev = x.device();
  Tensor y = Tensor::empty({s.N, s.C, s.out_h(), s.out_w()}, x.device());
  dk::avgpool2d_forward(dev, s, x.data(), y.data());
  Shape in_shape = x.shape();
  autograd::record(y, op, {x}, [=](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(in_shape, g.device());
    dk::avgpool2d_backward(dev, s, g.data(), dx.data());
    return {dx};
  });
  return y;
}

Tensor upsample_nearest2d(const Tensor& x, int64_t fh, int64_t fw) {
  const char* op = "upsample_nearest2d";
  check_defined(op, x, "input");
  if (x.ndim() != 4)
    throw Error(std::string(op) + ": input must be 4-D [N, C, H, W], got shape " +
                shape_str(x.shape()));
  if (fh <= 0 || fw <= 0)
    throw Error(std::string(op) + ": scale factors must be positive integers, got (" +
                std::to_string(fh) + ", " + std::to_string(fw) + ")");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const Device dev = x.device();
  Tensor y = Tensor::empty({N, C, H * fh, W * fw}, x.device());
  dk::upsample_nearest2d_forward(dev, x.data(), y.data(), N, C, H, W, fh, fw);
  Shape in_shape = x.shape();
  autograd::record(y, op, {x}, [=](const Tensor& g) -> std::vector<Tensor> {
    Tensor dx = Tensor::empty(in_shape, g.device());
    dk::upsample_nearest2d_backward(dev, g.data(), dx.data(), N, C, H, W, fh, fw);
    return {dx};
  });
  return y;
}

Tensor flatten(const Tensor& x, int64_t start_dim) {
  check_defined("flatten", x, "input");
  const int64_t nd = x.ndim();
  const int64_t d = start_dim < 0 ? start_dim + nd : start_dim;
  if (d < 0 || d >= nd)
    throw Error("flatten: start_dim " + std::to_string(start_dim) + " is out of range for shape " +
                shape_str(x.shape()));
  Shape s(x.shape().begin(), x.shape().begin() + d);
  int64_t rest = 1;
  for (int64_t i = d; i < nd; ++i) rest *= x.size(i);
  s.push_back(rest);
  return reshape(x, s);
}

Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes) {
  check_defined("unflatten", x, "input");
  const int64_t nd = x.ndim();
  const int64_t d = dim < 0 ? dim + nd : dim;
  if (d < 0 || d >= nd)
    throw Error("unflatten: dim " + std::to_string(dim) + " is out of range for shape " +
                shape_str(x.shape()));
  if (sizes.empty()) throw Error("unflatten: sizes must not be empty");
  Shape out(sizes);
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1 && infer < 0) {
      infer = static_cast<int64_t>(i);
    } else if (out[i] <= 0) {
      throw Error("unflatten: sizes " + shape_str(sizes) + " must be positive (one may be -1)");
    } else {
      known *= out[i];
    }
  }
  if (infer >= 0) {
    if (x.size(d) % known != 0)
      throw Error("unflatten: cannot split dim " + std::to_string(dim) + " of size " +
                  std::to_string(x.size(d)) + " into " + shape_str(sizes));
    out[static_cast<size_t>(infer)] = x.size(d) / known;
  } else if (known != x.size(d)) {
    throw Error("unflatten: cannot split dim " + std::to_string(dim) + " of size " +
                std::to_string(x.size(d)) + " into " + shape_str(sizes));
  }
  Shape s(x.shape().begin(), x.shape().begin() + d);
  s.insert(s.end(), out.begin(), out.end());
  s.insert(s.end(), x.shape().begin() + d + 1, x.shape().end());
  return reshape(x, s);
}

}  // namespace hg::ops
