// Module: a piece of a network with named parameters, children and a train/eval mode, as in
// torch.nn. Parameters are leaf Tensors with requires_grad; names are dotted paths
// ("encoder.0.weight") and are the keys of the checkpoint.
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

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter to `device` (in place: the handles stay valid).
  void to(Device device);

  // One line per module, indented (like print(model) in PyTorch).
  virtual std::string describe() const = 0;
  std::string summary(int indent = 0) const;

 protected:
  Tensor& register_parameter(const std::string& name, Tensor t);
  std::shared_ptr<Module> register_module(const std::string& name, std::shared_ptr<Module> m);

 private:
  void collect(const std::string& prefix, NamedTensors& out) const;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace hg::nn
