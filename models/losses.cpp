#include "models/losses.h"

#include "engine/util/error.h"

namespace hg::models {

void check_loss_name(const std::string& loss, const std::string& flag) {
  if (loss != "mse" && loss != "bce")
    throw UsageError(flag + ": unknown loss '" + loss + "' (expected mse or bce)");
}

ops::ReconKind recon_kind(const std::string& loss, ops::Act output_act) {
  if (loss == "mse") return ops::ReconKind::MSE;
  if (output_act == ops::Act::Sigmoid) return ops::ReconKind::BCE;
  if (output_act == ops::Act::None) return ops::ReconKind::BCELogits;
  throw Error("loss bce needs a sigmoid or linear output activation, not " +
              ops::act_name(output_act));
}

Tensor reconstruction_loss(const std::string& loss, const Tensor& recon, const Tensor& x,
                           ops::Act output_act) {
  switch (recon_kind(loss, output_act)) {
    case ops::ReconKind::MSE: return ops::mse_loss(recon, x);
    case ops::ReconKind::BCE: return ops::bce_loss(recon, x);
    case ops::ReconKind::BCELogits: return ops::bce_with_logits(recon, x);
  }
  return {};
}

}  // namespace hg::models
