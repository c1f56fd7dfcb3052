// Penalties added to an autoencoder's reconstruction loss, configured in the model config:
//   "regularizers": [{"kind": "l1", "weight": 1e-3},
//                    {"kind": "kl_sparsity", "rho": 0.05, "weight": 1.0},
//                    {"kind": "contractive", "weight": 1e-4}]
// l1           weight * (1/B) * sum_b sum_j |z_bj|  (an L1 activity penalty on the latent z,
//              per sample as Keras' activity regulariser).
// kl_sparsity  weight * sum_j KL(rho || rho_hat_j), rho_hat_j the batch mean of z_j: the classic
//              sparse autoencoder's push towards an average activation rho. Needs latent values
//              in (0, 1): a sigmoid latent activation.
// contractive  weight * (1/B) * sum_b ||J_b||_F^2, J_b = dz/dx at sample b: the squared Frobenius
//              norm of the whole encoder's Jacobian, computed exactly (not only the last layer)
//              by chaining diag(f'(a_l)) W_l through the layers of an MLP encoder, as a batch of
//              B*k rows; its gradient comes from the same ops. MLP encoders only.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/autoencoder.h"

namespace hg::models {

class Regularizer {
 public:
  virtual ~Regularizer() = default;
  virtual std::string name() const = 0;  // the term's name in logs: "l1", "kl_sparsity", ...
  // The weighted penalty (a 0-d tensor on the model's device) for the batch whose encoder
  // trace is given.
  virtual Tensor penalty(Autoencoder& model, const Autoencoder::Trace& trace) = 0;
  // Throws hg::Error (prefixed with origin) when the model cannot carry this penalty.
  virtual void check(const Autoencoder& model, const std::string& origin) const {
    (void)model, (void)origin;
  }
};

// Reads spec["regularizers"] (absent or null: none). Errors name origin and the bad entry.
std::vector<std::shared_ptr<Regularizer>> parse_regularizers(const nlohmann::json& spec,
                                                             const std::string& origin);

// The penalties as functions of the latent z [B, k] (what the regularisers compute; exposed for
// tests): weight * (1/B) sum |z|, and weight * sum_j KL(rho || mean_b z_bj).
Tensor l1_activity(const Tensor& z, float weight);
Tensor kl_sparsity(const Tensor& z, float rho, float weight);

// The exact contractive penalty sum_b ||dz_b/dx_b||_F^2 (unweighted, summed over the batch) of
// an encoder made of linear layers with activations: weights[l] is layer l's [out, in] weight,
// outputs[l] its activated output [B, out], acts/alphas its activation. Exposed for tests.
Tensor jacobian_frobenius_sq(const std::vector<Tensor>& weights, const std::vector<Tensor>& outputs,
                             const std::vector<ops::Act>& acts, const std::vector<float>& alphas);

}  // namespace hg::models
