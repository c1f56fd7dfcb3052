#include "models/conv_autoencoder.h"

#include "engine/util/error.h"

namespace hg::models {

std::vector<std::pair<int64_t, int64_t>> ConvConfig::sizes(const std::string& origin) const {
  std::vector<std::pair<int64_t, int64_t>> s{{image_h, image_w}};
  for (size_t i = 0; i < channels.size(); ++i) {
    auto [h, w] = s.back();
    if (h + 2 * padding < kernel || w + 2 * padding < kernel)
      throw Error(origin + ": 'channels' has too many convolutions: convolution " +
                  std::to_string(i + 1) + " gets a " + std::to_string(h) + "x" + std::to_string(w) +
                  " input, smaller than the kernel " + std::to_string(kernel));
    s.push_back({(h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1});
  }
  return s;
}

ConvAutoencoder::ConvAutoencoder(const ConvConfig& cfg, Rng& rng) : cfg_(cfg) {
  if (cfg.input <= 0 || cfg.input != cfg.image_c * cfg.image_h * cfg.image_w)
    throw Error("conv autoencoder: input size " + std::to_string(cfg.input) +
                " does not match the image " + std::to_string(cfg.image_c) + "x" +
                std::to_string(cfg.image_h) + "x" + std::to_string(cfg.image_w));
  if (cfg.channels.empty()) throw Error("conv autoencoder: needs at least one convolution");
  if (cfg.latent <= 0) throw Error("conv autoencoder: latent size must be positive");
  const auto sz = cfg.sizes("conv autoencoder");
  const size_t L = cfg.channels.size();
  const int64_t c_last = cfg.channels.back();
  const int64_t h_last = sz.back().first, w_last = sz.back().second;
  const int64_t flat = c_last * h_last * w_last;
  const bool bn = cfg.batch_norm;
  const Shape image{cfg.image_c, cfg.image_h, cfg.image_w};

  // A hidden block's activation: fused into the convolution without batch norm; after it with.
  auto add_act_and_dropout = [&](nn::Sequential& seq, int64_t width) {
    if (bn) {
      seq.add(std::make_shared<nn::BatchNorm2d>(width));
      seq.add(std::make_shared<nn::Activation>(cfg.act, cfg.alpha));
    }
    if (cfg.dropout > 0) seq.add(std::make_shared<nn::Dropout>(cfg.dropout, rng.next_u64()));
  };

  encoder_ = std::make_shared<nn::Sequential>();
  encoder_->add(std::make_shared<nn::Unflatten>(1, image));
  int64_t c_in = cfg.image_c;
  for (size_t i = 0; i < L; ++i) {
    nn::ConvOptions o;
    o.stride = cfg.stride;
    o.padding = cfg.padding;
    o.bias = !bn;  // batch norm's beta replaces the bias
    o.act = bn ? ops::Act::None : cfg.act;
    o.alpha = cfg.alpha;
    o.init = cfg.init;
    encoder_->add(std::make_shared<nn::Conv2d>(c_in, cfg.channels[i], cfg.kernel, rng, o));
    add_act_and_dropout(*encoder_, cfg.channels[i]);
    c_in = cfg.channels[i];
  }
  encoder_->add(std::make_shared<nn::Flatten>(1));
  encoder_->add(std::make_shared<nn::Linear>(flat, cfg.latent, rng, cfg.init, true, cfg.latent_act,
                                             cfg.alpha));

  decoder_ = std::make_shared<nn::Sequential>();
  decoder_->add(
      std::make_shared<nn::Linear>(cfg.latent, flat, rng, cfg.init, true, cfg.act, cfg.alpha));
  if (cfg.dropout > 0) decoder_->add(std::make_shared<nn::Dropout>(cfg.dropout, rng.next_u64()));
  decoder_->add(std::make_shared<nn::Unflatten>(1, Shape{c_last, h_last, w_last}));
  for (size_t i = L; i > 0; --i) {
    const bool last = i == 1;
    const int64_t c_out = last ? cfg.image_c : cfg.channels[i - 2];
    // Undo convolution i exactly: output_padding is the remainder its floor division dropped.
    const auto [h_in, w_in] = sz[i - 1];
    const auto [h_out, w_out] = sz[i];
    nn::ConvOptions o;
    o.stride = cfg.stride;
    o.padding = cfg.padding;
    o.output_padding = nn::Size2(h_in - ((h_out - 1) * cfg.stride - 2 * cfg.padding + cfg.kernel),
                                 w_in - ((w_out - 1) * cfg.stride - 2 * cfg.padding + cfg.kernel));
    o.bias = last || !bn;
    o.act = last ? cfg.output_act : (bn ? ops::Act::None : cfg.act);
    o.alpha = cfg.alpha;
    o.init = cfg.init;
    decoder_->add(
        std::make_shared<nn::ConvTranspose2d>(cfg.channels[i - 1], c_out, cfg.kernel, rng, o));
    if (!last) add_act_and_dropout(*decoder_, c_out);
  }
  decoder_->add(std::make_shared<nn::Flatten>(1));
  register_module("encoder", encoder_);
  register_module("decoder", decoder_);
}

std::string ConvAutoencoder::describe() const {
  std::string s = "ConvAutoencoder(" + std::to_string(cfg_.image_c) + "x" +
                  std::to_string(cfg_.image_h) + "x" + std::to_string(cfg_.image_w);
  for (int64_t c : cfg_.channels) s += "-c" + std::to_string(c);
  s += "-" + std::to_string(cfg_.latent);
  if (cfg_.batch_norm) s += ", batch_norm";
  if (cfg_.dropout > 0) s += ", dropout " + std::to_string(cfg_.dropout);
  return s + ")";
}

}  // namespace hg::models
