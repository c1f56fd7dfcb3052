#include "models/mlp_autoencoder.h"

#include "engine/util/error.h"

namespace hg::models {

MlpAutoencoder::MlpAutoencoder(const MlpConfig& cfg, Rng& rng) : cfg_(cfg) {
  if (cfg.input <= 0) throw Error("MLP autoencoder: input size must be positive");
  if (cfg.latent <= 0) throw Error("MLP autoencoder: latent size must be positive");
  encoder_ = std::make_shared<nn::Sequential>();
  decoder_ = std::make_shared<nn::Sequential>();
  std::vector<int64_t> widths{cfg.input};
  widths.insert(widths.end(), cfg.hidden.begin(), cfg.hidden.end());
  widths.push_back(cfg.latent);
  const size_t L = widths.size() - 1;
  for (size_t i = 0; i < L; ++i) {
    ops::Act a = i + 1 == L ? cfg.latent_act : cfg.act;
    encoder_->add(
        std::make_shared<nn::Linear>(widths[i], widths[i + 1], rng, cfg.init, true, a, cfg.alpha));
  }
  for (size_t i = L; i > 0; --i) {
    ops::Act a = i == 1 ? cfg.output_act : cfg.act;
    decoder_->add(
        std::make_shared<nn::Linear>(widths[i], widths[i - 1], rng, cfg.init, true, a, cfg.alpha));
  }
  register_module("encoder", encoder_);
  register_module("decoder", decoder_);
}

Autoencoder::Trace MlpAutoencoder::encode_trace(const Tensor& x) {
  Trace t;
  Tensor h = x;
  for (size_t i = 0; i < encoder_->size(); ++i) {
    h = (*encoder_)[i].forward(h);
    t.layers.push_back(h);
  }
  return t;
}

std::vector<const nn::Linear*> MlpAutoencoder::encoder_linears() const {
  std::vector<const nn::Linear*> out;
  for (size_t i = 0; i < encoder_->size(); ++i)
    out.push_back(&dynamic_cast<const nn::Linear&>((*encoder_)[i]));
  return out;
}

std::string MlpAutoencoder::describe() const {
  std::string s = "MlpAutoencoder(" + std::to_string(cfg_.input);
  for (int64_t h : cfg_.hidden) s += "-" + std::to_string(h);
  s += "-" + std::to_string(cfg_.latent) + ")";
  return s;
}

}  // namespace hg::models
