#include "engine/nn/layers.h"

#include <cmath>

#include "engine/util/error.h"

namespace hg::nn {

Init parse_init(const std::string& name) {
  if (name == "default" || name == "pytorch") return Init::Default;
  if (name == "kaiming" || name == "he") return Init::Kaiming;
  if (name == "xavier" || name == "glorot") return Init::Xavier;
  throw Error("unknown init '" + name + "' (expected default, kaiming or xavier)");
}

std::string init_name(Init i) {
  switch (i) {
    case Init::Default: return "default";
    case Init::Kaiming: return "kaiming";
    case Init::Xavier: return "xavier";
  }
  return "default";
}

void init_weights(Init init, Rng& rng, double fan_in, double fan_out, std::vector<float>& w,
                  std::vector<float>& b) {
  switch (init) {
    case Init::Default: {  // kaiming_uniform_(a=√5): bound = √(6/((1+5) fan_in)) = 1/√fan_in
      const double bound = 1.0 / std::sqrt(fan_in);
      for (float& v : w) v = static_cast<float>(rng.uniform(-bound, bound));
      for (float& v : b) v = static_cast<float>(rng.uniform(-bound, bound));
      break;
    }
    case Init::Kaiming: {
      const double std = std::sqrt(2.0 / fan_in);
      for (float& v : w) v = static_cast<float>(rng.normal(0.0, std));
      break;
    }
    case Init::Xavier: {
      const double bound = std::sqrt(6.0 / (fan_in + fan_out));
      for (float& v : w) v = static_cast<float>(rng.uniform(-bound, bound));
      break;
    }
  }
}

Linear::Linear(int64_t in, int64_t out, Rng& rng, Init init, bool bias, ops::Act act, float alpha)
    : in_(in), out_(out), act_(act), alpha_(alpha) {
  if (in <= 0 || out <= 0)
    throw Error("Linear: sizes must be positive, got " + std::to_string(in) + " -> " +
                std::to_string(out));
  std::vector<float> w(static_cast<size_t>(in * out)), b(static_cast<size_t>(out), 0.0f);
  init_weights(init, rng, static_cast<double>(in), static_cast<double>(out), w, b);
  weight_ = register_parameter("weight", Tensor::from_vector({out, in}, w));
  if (bias) bias_ = register_parameter("bias", Tensor::from_vector({out}, b));
}

Tensor Linear::forward(const Tensor& x) {
  if (!ops::act_fusable(act_))  // the GEMM writes pre-activations, then the activation
    return ops::activation(ops::linear(x, weight_, bias_, ops::Act::None), act_, alpha_);
  return ops::linear(x, weight_, bias_, act_, alpha_);
}

std::string Linear::describe() const {
  std::string s = "Linear(" + std::to_string(in_) + " -> " + std::to_string(out_);
  if (!bias_.defined()) s += ", no bias";
  if (act_ != ops::Act::None) s += ", " + ops::act_name(act_);
  return s + ")";
}

Sequential& Sequential::add(std::shared_ptr<Module> m) {
  register_module(std::to_string(layers_.size()), m);
  layers_.push_back(std::move(m));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& layer : layers_) h = layer->forward(h);
  return h;
}

}  // namespace hg::nn
