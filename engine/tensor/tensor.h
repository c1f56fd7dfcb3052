// Tensor: an fp32, contiguous, row-major array with a shape, a device and shared storage.
// Copying a Tensor copies the handle (like torch.Tensor); clone() copies the data.
// Autograd state (requires_grad, grad, grad_fn) lives in the shared TensorImpl.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor/device.h"

namespace hg {

using Shape = std::vector<int64_t>;
int64_t numel_of(const Shape& s);
// Copies bytes between any two devices (host<->device, device<->device, host<->host).
void copy_memory(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);
std::string shape_str(const Shape& s);

class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

struct Node;  // engine/autograd/node.h

struct TensorImpl {
  Shape shape;
  int64_t numel = 0;
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements: views (slice_rows) start inside the storage
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf
  std::shared_ptr<Node> grad_fn;     // how this tensor was made (null for leaves)
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Factories. Contents of empty() are unspecified.
  static Tensor empty(const Shape& shape, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values,
                            Device device = Device::cpu());
  static Tensor scalar(float value, Device device = Device::cpu()) {
    return from_vector({}, {value}, device);
  }

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  int64_t ndim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t size(int64_t dim) const;  // negative dims count from the end
  int64_t numel() const { return impl_->numel; }
  Device device() const { return impl_->storage ? impl_->storage->device() : Device::cpu(); }

  // Raw pointer to the first element, on the tensor's device.
  float* data() const {
    return impl_->storage ? static_cast<float*>(impl_->storage->data()) + impl_->offset : nullptr;
  }

  // Rows [start, start + count) of a tensor with ndim >= 1, as a view sharing storage (no autograd:
  // for slicing data into batches).
  Tensor slice_rows(int64_t start, int64_t count) const;

  Tensor to(Device device) const;        // a copy on `device` (same handle if already there)
  Tensor clone() const;                  // deep copy, no autograd history
  Tensor detach() const;                 // shares storage, no autograd history
  std::vector<float> to_vector() const;  // host copy of the values
  float item() const;                    // the value of a one-element tensor
  void copy_from(const Tensor& src);     // same numel; any devices
  void fill_(float value);

  // Autograd.
  bool requires_grad() const { return impl_->requires_grad; }
  Tensor& set_requires_grad(bool r);
  Tensor grad() const { return impl_->grad ? Tensor(impl_->grad) : Tensor(); }
  void zero_grad() { impl_->grad.reset(); }
  const std::shared_ptr<Node>& grad_fn() const { return impl_->grad_fn; }
  void backward() const;  // this must be a one-element tensor

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace hg
