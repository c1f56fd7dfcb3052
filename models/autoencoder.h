// The interface every autoencoder of the family implements: an encoder to a latent vector and a
// decoder back. Inputs are flat [B, D] rows (images flattened, NCHW order); latents are [B, k].
//
// Training goes through objective(): the reconstruction loss of the decoded latent against the
// target plus the model's regularisers (sparsity, contraction), each reported as a named term.
// The variational autoencoder (models/vae.h) overrides it with the negative ELBO.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/nn/module.h"
#include "engine/ops/ops.h"

namespace hg::models {

class Regularizer;

// A scalar training objective and its parts (scalars on the model's device). `total` is what
// backward() is called on; `terms` are the pieces it is the sum of, by name ("recon", "l1", "kl"),
// for the per-epoch log. Every tensor is a 0-d scalar.
struct LossParts {
  Tensor total;
  std::vector<std::pair<std::string, Tensor>> terms;
};

class Autoencoder : public nn::Module {
 public:
  struct Output {
    Tensor recon;   // [B, D]
    Tensor latent;  // [B, k]
  };
  // What the encoder computed on the way to the latent: each layer's output, last = latent.
  // Models that cannot expose their layers return only the latent.
  struct Trace {
    std::vector<Tensor> layers;
    const Tensor& latent() const { return layers.back(); }
  };

  virtual Tensor encode(const Tensor& x) = 0;
  virtual Tensor decode(const Tensor& z) = 0;
  virtual Trace encode_trace(const Tensor& x) { return {{encode(x)}}; }
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

  // The training objective for a batch: `input` is what the encoder sees (a corrupted copy when
  // denoising), `target` what the decoder must reproduce; loss is "mse" or "bce" (models/losses.h).
  virtual LossParts objective(const Tensor& input, const Tensor& target, const std::string& loss);
  // True when a forward pass draws random numbers (a VAE's sampling): such a step cannot be
  // replayed from a CUDA graph.
  virtual bool uses_randomness() const { return false; }
  // The model as data: a decoder output turned into the data's units (logits -> probabilities).
  Tensor to_data(const Tensor& decoded, const std::string& loss) const;

  void add_regularizer(std::shared_ptr<Regularizer> r) { regularizers_.push_back(std::move(r)); }
  const std::vector<std::shared_ptr<Regularizer>>& regularizers() const { return regularizers_; }

 private:
  std::vector<std::shared_ptr<Regularizer>> regularizers_;
};

}  // namespace hg::models
