#include "models/vae.h"

#include <cmath>
#include <numbers>

#include "engine/autograd/autograd.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "models/losses.h"

namespace hg::models {

Vae::Vae(const VaeConfig& cfg, Rng& rng) : cfg_(cfg) {
  if (cfg.input <= 0) throw Error("VAE: input size must be positive");
  if (cfg.latent <= 0) throw Error("VAE: latent size must be positive");
  trunk_ = std::make_shared<nn::Sequential>();
  decoder_ = std::make_shared<nn::Sequential>();
  std::vector<int64_t> widths{cfg.input};
  widths.insert(widths.end(), cfg.hidden.begin(), cfg.hidden.end());
  for (size_t i = 0; i + 1 < widths.size(); ++i)
    trunk_->add(std::make_shared<nn::Linear>(widths[i], widths[i + 1], rng, cfg.init, true, cfg.act,
                                             cfg.alpha));
  const int64_t top = widths.back();
  mu_ = std::make_shared<nn::Linear>(top, cfg.latent, rng, cfg.init, true, ops::Act::None);
  logvar_ = std::make_shared<nn::Linear>(top, cfg.latent, rng, cfg.init, true, ops::Act::None);
  widths.push_back(cfg.latent);
  for (size_t i = widths.size() - 1; i > 0; --i) {
    const ops::Act a = i == 1 ? cfg.output_act : cfg.act;
    decoder_->add(
        std::make_shared<nn::Linear>(widths[i], widths[i - 1], rng, cfg.init, true, a, cfg.alpha));
  }
  register_module("encoder", trunk_);
  register_module("mu", mu_);
  register_module("logvar", logvar_);
  register_module("decoder", decoder_);
  seed_ = rng.next_u64();
}

std::string Vae::describe() const {
  std::string s = "Vae(" + std::to_string(cfg_.input);
  for (int64_t h : cfg_.hidden) s += "-" + std::to_string(h);
  return s + "-[mu,logvar " + std::to_string(cfg_.latent) + "], beta " + std::to_string(cfg_.beta) +
         ")";
}

Vae::Posterior Vae::posterior(const Tensor& x) {
  Tensor h = trunk_->size() > 0 ? trunk_->forward(x) : x;
  return {mu_->forward(h), logvar_->forward(h)};
}

Tensor Vae::draw_noise(int64_t rows, Device device) {
  return ops::randn({rows, cfg_.latent}, device, mix_seed(seed_ + draws_++));
}

Tensor Vae::kl_rows(const Tensor& mu, const Tensor& logvar) {
  // -1/2 sum_j (1 + logvar - mu^2 - exp(logvar))
  Tensor t = ops::sub(ops::sub(logvar, ops::mul(mu, mu)), ops::exp(logvar));
  return ops::mul_scalar(ops::add_scalar(ops::sum_rows(t), static_cast<float>(mu.size(1))), -0.5f);
}

Tensor Vae::kl_sum(const Tensor& mu, const Tensor& logvar) { return ops::sum(kl_rows(mu, logvar)); }

Tensor Vae::neg_log_likelihood_rows(const Tensor& decoded, const Tensor& x,
                                    const std::string& loss) {
  const float D = static_cast<float>(x.size(1));
  const ops::ReconKind kind = recon_kind(loss, cfg_.output_act);
  Tensor mean_rows = ops::recon_error(x, decoded, kind).row;  // mean over features
  if (kind != ops::ReconKind::MSE) return ops::mul_scalar(mean_rows, D);
  const double s2 = static_cast<double>(cfg_.sigma) * cfg_.sigma;
  const double c = 0.5 * D * std::log(2.0 * std::numbers::pi * s2);
  return ops::add_scalar(ops::mul_scalar(mean_rows, static_cast<float>(D / (2.0 * s2))),
                         static_cast<float>(c));
}

LossParts Vae::objective(const Tensor& input, const Tensor& target, const std::string& loss) {
  const int64_t B = input.size(0);
  Posterior q = posterior(input);
  Tensor eps = draw_noise(B, input.device());
  Tensor z = ops::add(q.mu, ops::mul(ops::exp(ops::mul_scalar(q.logvar, 0.5f)), eps));
  Tensor recon = ops::mean(neg_log_likelihood_rows(decode(z), target, loss));  // nats per sample
  Tensor kl = ops::mul_scalar(kl_sum(q.mu, q.logvar), 1.0f / static_cast<float>(B));
  Tensor total =
      cfg_.beta == 1.0f ? ops::add(recon, kl) : ops::add(recon, ops::mul_scalar(kl, cfg_.beta));
  return {total, {{"recon", recon}, {"kl", kl}}};
}

std::vector<double> iw_log_likelihood(Vae& model, const Tensor& x, int64_t K,
                                      const std::string& loss) {
  if (K < 1) throw UsageError("--nll-samples must be at least 1");
  autograd::NoGradGuard no_grad;
  const int64_t n = x.size(0), chunk = 512;
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t rows = std::min(chunk, n - start);
    Tensor xb = x.slice_rows(start, rows);
    Vae::Posterior q = model.posterior(xb);
    Tensor sd = ops::exp(ops::mul_scalar(q.logvar, 0.5f));
    // log w = log p(x|z) + log p(z) - log q(z|x); the 2*pi terms of p(z) and q cancel:
    // log p(z) - log q(z|x) = -1/2 sum z^2 + 1/2 sum eps^2 + 1/2 sum logvar.
    const std::vector<float> half_lv =
        ops::mul_scalar(ops::sum_rows(q.logvar), 0.5f).to(Device::cpu()).to_vector();
    std::vector<double> logw(static_cast<size_t>(rows * K));
    for (int64_t k = 0; k < K; ++k) {
      Tensor eps = model.draw_noise(rows, x.device());
      Tensor z = ops::add(q.mu, ops::mul(sd, eps));
      Tensor nll = model.neg_log_likelihood_rows(model.decode(z), xb, loss);
      Tensor prior_minus_q = ops::mul_scalar(
          ops::sub(ops::sum_rows(ops::mul(z, z)), ops::sum_rows(ops::mul(eps, eps))), -0.5f);
      const std::vector<float> a = ops::sub(prior_minus_q, nll).to(Device::cpu()).to_vector();
      for (int64_t i = 0; i < rows; ++i)
        logw[static_cast<size_t>(i * K + k)] = double(a[i]) + half_lv[i];
    }
    for (int64_t i = 0; i < rows; ++i) {
      const double* w = &logw[static_cast<size_t>(i * K)];
      double m = w[0];
      for (int64_t k = 1; k < K; ++k) m = std::max(m, w[k]);
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += std::exp(w[k] - m);
      out[static_cast<size_t>(start + i)] = m + std::log(s) - std::log(static_cast<double>(K));
    }
  }
  return out;
}

}  // namespace hg::models
