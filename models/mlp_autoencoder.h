// MLP autoencoder: input -> hidden... -> latent -> decoder hidden... -> input, the decoder's
// widths the encoder's reversed unless decoder_hidden gives its own (an asymmetric decoder).
// Every Linear carries its activation fused into the GEMM epilogue.
#pragma once
#include <memory>
#include <vector>

#include "engine/nn/layers.h"
#include "models/autoencoder.h"

namespace hg::models {

struct MlpConfig {
  int64_t input = 0;            // D
  std::vector<int64_t> hidden;  // encoder widths, input side first
  // Decoder widths, code side first; empty: the encoder's reversed (the mirror).
  std::vector<int64_t> decoder_hidden;
  int64_t latent = 2;             // k
  ops::Act act = ops::Act::ReLU;  // hidden layers
  ops::Act latent_act = ops::Act::None;
  ops::Act output_act = ops::Act::None;
  nn::Init init = nn::Init::Default;
  float alpha = 0.01f;  // leaky_relu slope
  // > 0: a binary code (semantic hashing): the last encoder Linear is followed by
  // GaussianNoise(binary_noise) and a sigmoid (latent_act must be Sigmoid), so the encoder is
  // [Linear..., GaussianNoise, Activation(sigmoid)]. Evaluation gives the noiseless sigmoid;
  // bits are its values > 0.5.
  float binary_noise = 0.0f;
};

class MlpAutoencoder : public Autoencoder {
 public:
  MlpAutoencoder(const MlpConfig& cfg, Rng& rng);
  Tensor encode(const Tensor& x) override { return encoder_->forward(x); }
  Trace encode_trace(const Tensor& x) override;  // every encoder layer's activated output
  Tensor decode(const Tensor& z) override { return decoder_->forward(z); }
  int64_t input_dim() const override { return cfg_.input; }
  int64_t latent_dim() const override { return cfg_.latent; }
  ops::Act output_act() const override { return cfg_.output_act; }
  ops::Act latent_act() const { return cfg_.latent_act; }
  bool binary_latent() const { return cfg_.binary_noise > 0.0f; }
  // The encoder's Linears in order, input side first (a binary code's noise and sigmoid left out).
  std::vector<const nn::Linear*> encoder_linears() const;
  std::string describe() const override;
  nn::Sequential& encoder() { return *encoder_; }
  nn::Sequential& decoder() { return *decoder_; }

 private:
  MlpConfig cfg_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
};

}  // namespace hg::models
