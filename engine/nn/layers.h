// The layers of the MLP family: Linear (optionally with a fused activation), Activation and
// Sequential. Shapes: Linear maps [B, in] -> [B, out]; W is [out, in] as in torch.nn.Linear.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/module.h"
#include "engine/ops/ops.h"
#include "engine/util/rng.h"

namespace hg::nn {

// "default": PyTorch's nn.Linear init, U(±1/√in) for weight and bias.
// "kaiming": He normal, std √(2/in) (for ReLU nets), zero bias.
// "xavier": Glorot uniform, U(±√(6/(in+out))), zero bias.
enum class Init { Default, Kaiming, Xavier };
Init parse_init(const std::string& name);
std::string init_name(Init i);
// Fills w (and b, for "default"; the other inits leave b as given, i.e. zero) by `init` with the
// given fans, drawing w first and then b from rng. Shared by Linear and the conv layers.
void init_weights(Init init, Rng& rng, double fan_in, double fan_out, std::vector<float>& w,
                  std::vector<float>& b);

class Linear : public Module {
 public:
  // act is fused into the GEMM epilogue when ops::act_fusable (all but softplus), else applied
  // after.
  Linear(int64_t in, int64_t out, Rng& rng, Init init = Init::Default, bool bias = true,
         ops::Act act = ops::Act::None, float alpha = 0.01f);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  ops::Act act() const { return act_; }
  float alpha() const { return alpha_; }
  const Tensor& weight() const { return weight_; }  // [out, in]

 private:
  int64_t in_, out_;
  ops::Act act_;
  float alpha_;
  Tensor weight_, bias_;  // handles to the registered parameters (bias_ undefined without bias)
};

class Activation : public Module {
 public:
  explicit Activation(ops::Act act, float alpha = 0.01f) : act_(act), alpha_(alpha) {}
  Tensor forward(const Tensor& x) override { return ops::activation(x, act_, alpha_); }
  std::string describe() const override { return "Activation(" + ops::act_name(act_) + ")"; }
  ops::Act act() const { return act_; }
  float alpha() const { return alpha_; }  // the slope of leaky_relu / elu

 private:
  ops::Act act_;
  float alpha_;
};

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential& add(std::shared_ptr<Module> m);  // named "0", "1", ... in order
  Tensor forward(const Tensor& x) override;
  std::string describe() const override { return "Sequential"; }
  size_t size() const { return layers_.size(); }
  Module& operator[](size_t i) { return *layers_.at(i); }
  const Module& operator[](size_t i) const { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace hg::nn
