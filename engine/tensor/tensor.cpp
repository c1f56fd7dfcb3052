#include "engine/tensor/tensor.h"

#include <cstring>

#include "engine/autograd/autograd.h"
#include "engine/ops/device_kernels.h"
#include "engine/tensor/allocator.h"
#include "engine/util/error.h"
#ifdef HG_WITH_CUDA
#include "kernels/cuda/runtime/device.h"
#endif

namespace hg {

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) throw Error("negative dimension in shape " + shape_str(s));
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

Storage::Storage(size_t bytes, Device device)
    : data_(allocate(bytes, device)), bytes_(bytes), device_(device) {}

Storage::~Storage() { deallocate(data_, bytes_, device_); }

void copy_memory(void* dst, Device dd, const void* src, Device sd, size_t bytes) {
  if (bytes == 0) return;
  if (dd.is_cpu() && sd.is_cpu()) {
    std::memcpy(dst, src, bytes);
    return;
  }
#ifdef HG_WITH_CUDA
  if (dd.is_cuda() && sd.is_cpu()) return kernels::cuda::copy_host_to_device(dst, src, bytes);
  if (dd.is_cpu() && sd.is_cuda()) return kernels::cuda::copy_device_to_host(dst, src, bytes);
  return kernels::cuda::copy_device_to_device(dst, src, bytes);
#else
  throw Error("this build of hourglass has no CUDA backend");
#endif
}

Tensor Tensor::empty(const Shape& shape, Device device) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->numel = numel_of(shape);
  impl->storage =
      std::make_shared<Storage>(static_cast<size_t>(impl->numel) * sizeof(float), device);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, Device device) { return full(shape, 0.0f, device); }

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, device);
  t.fill_(value);
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values, Device device) {
  if (numel_of(shape) != static_cast<int64_t>(values.size()))
    throw Error("from_vector: shape " + shape_str(shape) + " needs " +
                std::to_string(numel_of(shape)) + " values, got " + std::to_string(values.size()));
  Tensor t = empty(shape, device);
  copy_memory(t.data(), device, values.data(), Device::cpu(), values.size() * sizeof(float));
  return t;
}

int64_t Tensor::size(int64_t dim) const {
  const int64_t nd = ndim();
  if (dim < 0) dim += nd;
  if (dim < 0 || dim >= nd)
    throw Error("dimension " + std::to_string(dim) + " out of range for shape " +
                shape_str(shape()));
  return shape()[static_cast<size_t>(dim)];
}

Tensor Tensor::to(Device device) const {
  if (this->device() == device) return *this;
  Tensor t = empty(shape(), device);
  copy_memory(t.data(), device, data(), this->device(),
              static_cast<size_t>(numel()) * sizeof(float));
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), device());
  copy_memory(t.data(), device(), data(), device(), static_cast<size_t>(numel()) * sizeof(float));
  return t;
}

Tensor Tensor::slice_rows(int64_t start, int64_t count) const {
  if (ndim() < 1) throw Error("slice_rows: needs at least one dimension");
  if (start < 0 || count < 0 || start + count > size(0))
    throw Error("slice_rows: rows [" + std::to_string(start) + ", " +
                std::to_string(start + count) + ") out of range for shape " + shape_str(shape()));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape();
  impl->shape[0] = count;
  impl->numel = numel_of(impl->shape);
  impl->storage = impl_->storage;
  impl->offset = impl_->offset + start * (size(0) ? numel() / size(0) : 0);
  return Tensor(std::move(impl));
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = impl_->shape;
  impl->numel = impl_->numel;
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  return Tensor(std::move(impl));
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> v(static_cast<size_t>(numel()));
  copy_memory(v.data(), Device::cpu(), data(), device(), v.size() * sizeof(float));
  return v;
}

float Tensor::item() const {
  if (numel() != 1)
    throw Error("item() needs a one-element tensor, got shape " + shape_str(shape()));
  return to_vector()[0];
}

void Tensor::copy_from(const Tensor& src) {
  if (src.numel() != numel())
    throw Error("copy_from: " + shape_str(src.shape()) + " into " + shape_str(shape()));
  copy_memory(data(), device(), src.data(), src.device(),
              static_cast<size_t>(numel()) * sizeof(float));
}

void Tensor::fill_(float value) { ops::dk::fill(device(), data(), value, numel()); }

Tensor& Tensor::set_requires_grad(bool r) {
  if (r && impl_->grad_fn) throw Error("set_requires_grad: only leaf tensors can be marked");
  impl_->requires_grad = r;
  return *this;
}

void Tensor::backward() const { autograd::backward(*this); }

}  // namespace hg
