// Convolutional autoencoder for images that arrive as flat rows [B, C*H*W] (NCHW order):
//   encoder: Unflatten -> [Conv2d(k, stride, pad) (+BatchNorm2d) + act (+Dropout)] per width
//            -> Flatten -> Linear(C_last*h*w -> latent) (+latent act)
//   decoder: Linear(latent -> C_last*h*w) + act (+Dropout) -> Unflatten
//            -> [ConvTranspose2d (+BatchNorm2d) + act (+Dropout)] back through the widths
//            -> ConvTranspose2d(-> C) + output act -> Flatten
// Each transposed convolution undoes one convolution exactly: its output_padding is chosen so
// the decoder returns the encoder's spatial sizes (28 -> 14 -> 7 -> 14 -> 28 for conv28.json).
// The trainer and the losses see [B, D] rows as for the MLP.
//
// Config keys ("type": "conv"): "image" [C, H, W] (required), "input" (C*H*W, or null),
// "channels" [widths] (required, non-empty), "kernel" (3), "stride" (2), "padding" (1),
// "latent", "activation" ("relu"), "latent_activation" ("none"), "output_activation" ("none"),
// "init" ("default"), "leaky_alpha", "batch_norm" (false), "dropout" (0), "defaults" {...}.
#pragma once
#include <memory>
#include <vector>

#include "engine/nn/conv_layers.h"
#include "engine/nn/layers.h"
#include "models/autoencoder.h"

namespace hg::models {

struct ConvConfig {
  int64_t input = 0;  // C*H*W
  int64_t image_c = 1, image_h = 28, image_w = 28;
  std::vector<int64_t> channels;  // encoder widths; the decoder mirrors them
  int64_t kernel = 3, stride = 2, padding = 1;
  int64_t latent = 32;
  ops::Act act = ops::Act::ReLU;
  ops::Act latent_act = ops::Act::None;
  ops::Act output_act = ops::Act::None;
  nn::Init init = nn::Init::Default;
  float alpha = 0.01f;
  bool batch_norm = false;  // BatchNorm2d after every hidden (transposed) convolution
  float dropout = 0.0f;     // Dropout after every hidden activation (0 = none)

  // Spatial sizes through the encoder: sizes()[0] = (H, W), then one per convolution.
  // Throws an Error naming `origin` when a convolution's output would be empty.
  std::vector<std::pair<int64_t, int64_t>> sizes(const std::string& origin) const;
};

class ConvAutoencoder : public Autoencoder {
 public:
  ConvAutoencoder(const ConvConfig& cfg, Rng& rng);
  Tensor encode(const Tensor& x) override { return encoder_->forward(x); }  // [B, D] -> [B, k]
  Tensor decode(const Tensor& z) override { return decoder_->forward(z); }  // [B, k] -> [B, D]
  int64_t input_dim() const override { return cfg_.input; }
  int64_t latent_dim() const override { return cfg_.latent; }
  ops::Act output_act() const override { return cfg_.output_act; }
  std::string describe() const override;
  const ConvConfig& config() const { return cfg_; }
  nn::Sequential& encoder() { return *encoder_; }
  nn::Sequential& decoder() { return *decoder_; }

 private:
  ConvConfig cfg_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
};

}  // namespace hg::models
