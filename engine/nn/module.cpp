#include "engine/nn/module.h"

#include "engine/util/error.h"

namespace hg::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor t) {
  t.set_requires_grad(true);
  params_.emplace_back(name, std::move(t));
  return params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  t.set_requires_grad(false);
  buffers_.emplace_back(name, std::move(t));
  return buffers_.back().second;
}

std::shared_ptr<Module> Module::register_module(const std::string& name,
                                                std::shared_ptr<Module> m) {
  HG_CHECK(m != nullptr, "register_module: null module " + name);
  children_.emplace_back(name, m);
  return m;
}

void Module::collect(const std::string& prefix, NamedTensors& out, bool buffers) const {
  for (const auto& [name, t] : buffers ? buffers_ : params_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out, buffers);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", out, false);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", out, true);
  return out;
}

NamedTensors Module::named_state() const {
  NamedTensors out = named_parameters();
  collect("", out, true);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::to(Device device) {
  for (auto* list : {&params_, &buffers_})
    for (auto& [name, t] : *list) {
      if (t.device() == device) continue;
      Tensor moved = t.to(device);
      t.impl()->storage = moved.impl()->storage;  // keep the handle (optimizers, layers hold it)
      t.impl()->offset = moved.impl()->offset;
      t.zero_grad();
    }
  for (auto& [name, child] : children_) child->to(device);
}

std::string Module::summary(int indent) const {
  std::string pad(static_cast<size_t>(indent), ' ');
  std::string s = pad + describe() + "\n";
  for (const auto& [name, child] : children_) {
    std::string sub = child->summary(indent + 2);
    s += pad + "  (" + name + ") " + sub.substr(static_cast<size_t>(indent + 2));
  }
  return s;
}

}  // namespace hg::nn
