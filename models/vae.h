// Variational autoencoder (Kingma & Welling): a Gaussian encoder q(z|x) = N(mu(x), diag
// exp(logvar(x))) with two linear heads on an MLP trunk, the reparameterisation z = mu +
// exp(logvar/2) * eps, eps ~ N(0, I), and a decoder p(x|z):
//   loss "bce": Bernoulli, decoder output = logits ("output_activation": "none", default) or
//               probabilities ("sigmoid"); -log p(x|z) = sum over features of BCE.
//   loss "mse": Gaussian with fixed std sigma (config "sigma", default 1);
//               -log p(x|z) = sum (x - x_hat)^2 / (2 sigma^2) + D/2 log(2 pi sigma^2).
// The objective is the negative ELBO per sample in nats, averaged over the batch:
//   recon = E_q[-log p(x|z)] (one sample), kl = KL(q(z|x) || N(0, I)) in closed form,
//   total = recon + beta * kl (config "beta", default 1).
// encode(x) returns mu (the deterministic code used for embeddings, clustering and scoring);
// decode(z) returns the decoder's raw output. Config keys as the MLP (models/registry.h) plus
// "beta" and "sigma".
#pragma once
#include <memory>
#include <vector>

#include "engine/nn/layers.h"
#include "models/autoencoder.h"

namespace hg::models {

struct VaeConfig {
  int64_t input = 0;
  std::vector<int64_t> hidden;  // encoder trunk widths; the decoder mirrors them
  int64_t latent = 2;
  ops::Act act = ops::Act::ReLU;
  ops::Act output_act = ops::Act::None;
  nn::Init init = nn::Init::Default;
  float alpha = 0.01f;
  float beta = 1.0f;
  float sigma = 1.0f;
};

class Vae : public Autoencoder {
 public:
  Vae(const VaeConfig& cfg, Rng& rng);
  struct Posterior {
    Tensor mu, logvar;  // [B, k] each
  };
  Posterior posterior(const Tensor& x);
  Tensor encode(const Tensor& x) override { return posterior(x).mu; }
  Tensor decode(const Tensor& z) override { return decoder_->forward(z); }
  int64_t input_dim() const override { return cfg_.input; }
  int64_t latent_dim() const override { return cfg_.latent; }
  ops::Act output_act() const override { return cfg_.output_act; }
  std::string describe() const override;
  LossParts objective(const Tensor& input, const Tensor& target, const std::string& loss) override;
  bool uses_randomness() const override { return true; }
  const VaeConfig& config() const { return cfg_; }

  // -log p(x|z) per row in nats ([B]) for decoder output `decoded` against x.
  Tensor neg_log_likelihood_rows(const Tensor& decoded, const Tensor& x, const std::string& loss);
  // KL(q(z|x) || N(0, I)) per row ([B]) and summed over the batch (0-d).
  static Tensor kl_rows(const Tensor& mu, const Tensor& logvar);
  static Tensor kl_sum(const Tensor& mu, const Tensor& logvar);
  // eps ~ N(0, I) of the given shape: a fresh counter-based seed per call, so every step draws
  // new noise and a run with the same seed draws the same sequence.
  Tensor draw_noise(int64_t rows, Device device);
  void reseed(uint64_t seed) { seed_ = seed, draws_ = 0; }

 private:
  VaeConfig cfg_;
  std::shared_ptr<nn::Sequential> trunk_, decoder_;
  std::shared_ptr<nn::Linear> mu_, logvar_;
  uint64_t seed_ = 0, draws_ = 0;
};

// Importance-weighted estimate of log p(x) per row of x [B, D] (nats), with K samples from
// q(z|x) (Burda et al.): log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x). No gradients. Rows are
// processed in chunks; the host does the log-sum-exp in double.
std::vector<double> iw_log_likelihood(Vae& model, const Tensor& x, int64_t K,
                                      const std::string& loss);

}  // namespace hg::models
