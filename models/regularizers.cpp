#include "models/regularizers.h"

#include <cmath>

#include "engine/nn/layers.h"
#include "engine/util/error.h"
#include "models/mlp_autoencoder.h"

namespace hg::models {

using nlohmann::json;

namespace {

float number(const json& e, const char* key, float fallback, const std::string& where) {
  if (!e.contains(key) || e[key].is_null()) return fallback;
  if (!e[key].is_number()) throw Error(where + ": '" + key + "' must be a number");
  const double v = e[key].get<double>();
  if (!std::isfinite(v)) throw Error(where + ": '" + key + "' must be finite");
  return static_cast<float>(v);
}

class L1Activity : public Regularizer {
 public:
  explicit L1Activity(float w) : w_(w) {}
  std::string name() const override { return "l1"; }
  Tensor penalty(Autoencoder&, const Autoencoder::Trace& t) override {
    return l1_activity(t.latent(), w_);
  }

 private:
  float w_;
};

// sum_j KL(rho || rho_hat_j) = sum_j [rho log(rho/rho_hat_j) + (1-rho) log((1-rho)/(1-rho_hat_j))].
class KlSparsity : public Regularizer {
 public:
  KlSparsity(float rho, float w) : rho_(rho), w_(w) {}
  std::string name() const override { return "kl_sparsity"; }
  Tensor penalty(Autoencoder&, const Autoencoder::Trace& t) override {
    return kl_sparsity(t.latent(), rho_, w_);
  }
  void check(const Autoencoder& m, const std::string& origin) const override {
    const auto* mlp = dynamic_cast<const MlpAutoencoder*>(&m);
    if (mlp && mlp->latent_act() != ops::Act::Sigmoid)
      throw Error(origin +
                  ": regularizer kl_sparsity needs latent values in (0, 1): set "
                  "\"latent_activation\": \"sigmoid\"");
  }

 private:
  float rho_, w_;
};

class Contractive : public Regularizer {
 public:
  explicit Contractive(float w) : w_(w) {}
  std::string name() const override { return "contractive"; }
  Tensor penalty(Autoencoder& m, const Autoencoder::Trace& t) override {
    auto& mlp = dynamic_cast<MlpAutoencoder&>(m);  // check() made sure
    std::vector<Tensor> weights;
    std::vector<ops::Act> acts;
    std::vector<float> alphas;
    for (const nn::Linear* l : mlp.encoder_linears()) {
      weights.push_back(l->weight());
      acts.push_back(l->act());
      alphas.push_back(l->alpha());
    }
    const float B = static_cast<float>(t.latent().size(0));
    return ops::mul_scalar(jacobian_frobenius_sq(weights, t.layers, acts, alphas), w_ / B);
  }
  void check(const Autoencoder& m, const std::string& origin) const override {
    const auto* mlp = dynamic_cast<const MlpAutoencoder*>(&m);
    if (!mlp)
      throw Error(origin + ": regularizer contractive needs an MLP encoder (\"type\": \"mlp\")");
    if (mlp->binary_latent())
      throw Error(origin + ": regularizer contractive does not support a 'binary_latent' code");
    for (const nn::Linear* l : mlp->encoder_linears())
      if (l->act() == ops::Act::Softplus)
        throw Error(origin + ": regularizer contractive does not support softplus encoder layers");
  }

 private:
  float w_;
};

}  // namespace

Tensor l1_activity(const Tensor& z, float weight) {
  return ops::mul_scalar(ops::sum(ops::abs(z)), weight / static_cast<float>(z.size(0)));
}

Tensor kl_sparsity(const Tensor& z, float rho, float weight) {
  // rho_hat squeezed into [eps, 1-eps] by an affine map, so the logs stay finite and the
  // gradient never vanishes (a clamp would zero it exactly where it is needed).
  constexpr float eps = 1e-6f;
  Tensor rh = ops::add_scalar(ops::mul_scalar(ops::mean_cols(z), 1.0f - 2.0f * eps), eps);
  Tensor one_minus = ops::add_scalar(ops::mul_scalar(rh, -1.0f), 1.0f);
  const double k = static_cast<double>(z.size(1));
  const double c = k * (rho * std::log(rho) + (1.0 - rho) * std::log(1.0 - rho));
  Tensor neg = ops::add(ops::mul_scalar(ops::sum(ops::log(rh)), -rho),
                        ops::mul_scalar(ops::sum(ops::log(one_minus)), -(1.0f - rho)));
  return ops::mul_scalar(ops::add_scalar(neg, static_cast<float>(c)), weight);
}

Tensor jacobian_frobenius_sq(const std::vector<Tensor>& weights, const std::vector<Tensor>& outputs,
                             const std::vector<ops::Act>& acts, const std::vector<float>& alphas) {
  const size_t L = weights.size();
  if (L == 0 || outputs.size() != L || acts.size() != L || alphas.size() != L)
    throw Error("contractive penalty: one weight, output and activation per encoder layer needed");
  const int64_t B = outputs[L - 1].size(0), k = outputs[L - 1].size(1);
  // Row b*k + j of M holds row j of J_b restricted to the layers seen so far, starting at the
  // top: diag(f'_L) W_L, then times diag(f'_l) W_l going down. B*k rows make every step a GEMM.
  Tensor s_top =
      ops::reshape(ops::act_derivative(outputs[L - 1], acts[L - 1], alphas[L - 1]), {B * k});
  Tensor M = ops::scale_rows(ops::tile_rows(weights[L - 1], B), s_top);
  for (size_t l = L - 1; l-- > 0;) {
    Tensor s = ops::repeat_rows(ops::act_derivative(outputs[l], acts[l], alphas[l]), k);
    M = ops::matmul(ops::mul(M, s), weights[l]);
  }
  return ops::sum(ops::mul(M, M));
}

std::vector<std::shared_ptr<Regularizer>> parse_regularizers(const json& spec,
                                                             const std::string& origin) {
  std::vector<std::shared_ptr<Regularizer>> out;
  if (!spec.contains("regularizers") || spec["regularizers"].is_null()) return out;
  const json& list = spec["regularizers"];
  if (!list.is_array()) throw Error(origin + ": 'regularizers' must be a list of objects");
  for (size_t i = 0; i < list.size(); ++i) {
    const json& e = list[i];
    const std::string where = origin + ": regularizers[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("kind") || !e["kind"].is_string())
      throw Error(where + " must be an object with a string 'kind'");
    const std::string kind = e["kind"].get<std::string>();
    const float w = number(e, "weight", kind == "kl_sparsity" ? 1.0f : 1e-3f, where);
    if (w < 0) throw Error(where + ": 'weight' must not be negative");
    if (kind == "l1") {
      out.push_back(std::make_shared<L1Activity>(w));
    } else if (kind == "kl_sparsity") {
      const float rho = number(e, "rho", 0.05f, where);
      if (!(rho > 0 && rho < 1)) throw Error(where + ": 'rho' must be in (0, 1)");
      out.push_back(std::make_shared<KlSparsity>(rho, w));
    } else if (kind == "contractive") {
      out.push_back(std::make_shared<Contractive>(w));
    } else {
      throw Error(where + ": unknown kind '" + kind +
                  "' (expected l1, kl_sparsity or contractive)");
    }
  }
  return out;
}

}  // namespace hg::models
