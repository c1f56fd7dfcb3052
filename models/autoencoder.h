// The interface every autoencoder of the family implements: an encoder to a latent vector and a
// decoder back. Inputs are flat [B, D] rows (images flattened, NCHW order); latents are [B, k].
#pragma once
#include <string>

#include "engine/nn/module.h"
#include "engine/ops/ops.h"

namespace hg::models {

class Autoencoder : public nn::Module {
 public:
  struct Output {
    Tensor recon;   // [B, D]
    Tensor latent;  // [B, k]
  };
  virtual Tensor encode(const Tensor& x) = 0;
  virtual Tensor decode(const Tensor& z) = 0;
  Tensor forward(const Tensor& x) override { return decode(encode(x)); }
  Output run(const Tensor& x) {
    Tensor z = encode(x);
    return {decode(z), z};
  }
  virtual int64_t input_dim() const = 0;
  virtual int64_t latent_dim() const = 0;
  // The decoder's last activation: decides how a BCE loss is computed (on probabilities after a
  // sigmoid, or stably on logits when the output is linear).
  virtual ops::Act output_act() const = 0;
};

}  // namespace hg::models
