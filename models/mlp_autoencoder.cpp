#include "models/mlp_autoencoder.h"

#include "engine/nn/conv_layers.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::models {

MlpAutoencoder::MlpAutoencoder(const MlpConfig& cfg, Rng& rng) : cfg_(cfg) {
  if (cfg.input <= 0) throw Error("MLP autoencoder: input size must be positive");
  if (cfg.latent <= 0) throw Error("MLP autoencoder: latent size must be positive");
  const bool binary = cfg.binary_noise > 0.0f;
  if (binary && cfg.latent_act != ops::Act::Sigmoid)
    throw Error("MLP autoencoder: a binary latent needs a sigmoid latent activation");
  encoder_ = std::make_shared<nn::Sequential>();
  decoder_ = std::make_shared<nn::Sequential>();
  std::vector<int64_t> widths{cfg.input};
  widths.insert(widths.end(), cfg.hidden.begin(), cfg.hidden.end());
  widths.push_back(cfg.latent);
  const size_t L = widths.size() - 1;
  for (size_t i = 0; i < L; ++i) {
    ops::Act a = i + 1 == L ? (binary ? ops::Act::None : cfg.latent_act) : cfg.act;
    encoder_->add(
        std::make_shared<nn::Linear>(widths[i], widths[i + 1], rng, cfg.init, true, a, cfg.alpha));
  }
  std::vector<int64_t> dec{cfg.latent};  // code side first
  if (cfg.decoder_hidden.empty())
    dec.insert(dec.end(), cfg.hidden.rbegin(), cfg.hidden.rend());
  else
    dec.insert(dec.end(), cfg.decoder_hidden.begin(), cfg.decoder_hidden.end());
  dec.push_back(cfg.input);
  for (size_t i = 0; i + 1 < dec.size(); ++i) {
    ops::Act a = i + 2 == dec.size() ? cfg.output_act : cfg.act;
    decoder_->add(
        std::make_shared<nn::Linear>(dec[i], dec[i + 1], rng, cfg.init, true, a, cfg.alpha));
  }
  if (binary) {  // after the decoder: the Linears draw the same init as the plain model's
    encoder_->add(std::make_shared<nn::GaussianNoise>(cfg.binary_noise, rng.next_u64()));
    encoder_->add(std::make_shared<nn::Activation>(ops::Act::Sigmoid));
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
    if (auto* l = dynamic_cast<const nn::Linear*>(&(*encoder_)[i])) out.push_back(l);
  return out;
}

std::string MlpAutoencoder::describe() const {
  std::string s = "MlpAutoencoder(" + std::to_string(cfg_.input);
  for (int64_t h : cfg_.hidden) s += "-" + std::to_string(h);
  s += "-" + std::to_string(cfg_.latent);
  if (!cfg_.decoder_hidden.empty()) {
    s += " | decoder " + std::to_string(cfg_.latent);
    for (int64_t h : cfg_.decoder_hidden) s += "-" + std::to_string(h);
    s += "-" + std::to_string(cfg_.input);
  }
  s += ")";
  if (binary_latent()) s += " binary code (noise " + fmt::num(cfg_.binary_noise, 3) + ")";
  return s;
}

}  // namespace hg::models
