// Module: a piece of a network with named parameters, buffers, children and a train/eval mode, as
// in torch.nn. Parameters are leaf Tensors with requires_grad, trained by the optimizers; buffers
// are state that is not trained but belongs in the checkpoint (BatchNorm's running statistics).
// Names are dotted paths ("encoder.0.weight") and are the keys of the checkpoint.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor/tensor.h"

namespace hg::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Every parameter of this module and its children, depth first, in registration order.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  int64_t parameter_count() const;
  // Every buffer (no requires_grad), named and ordered the same way.
  NamedTensors named_buffers() const;
  // What a checkpoint holds: named_parameters() followed by named_buffers().
  NamedTensors named_state() const;

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter and buffer to `device` (in place: the handles stay valid).
  void to(Device device);

  // One line per module, indented (like print(model) in PyTorch).
  virtual std::string describe() const = 0;
  std::string summary(int indent = 0) const;

 protected:
  Tensor& register_parameter(const std::string& name, Tensor t);
  Tensor& register_buffer(const std::string& name, Tensor t);
  std::shared_ptr<Module> register_module(const std::string& name, std::shared_ptr<Module> m);

 private:
  void collect(const std::string& prefix, NamedTensors& out, bool buffers) const;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace hg::nn
