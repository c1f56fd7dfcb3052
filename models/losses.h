// The reconstruction loss of an autoencoder, by name. "bce" is computed on probabilities when the
// decoder ends in a sigmoid and stably on logits when its output is linear.
#pragma once
#include <string>

#include "engine/ops/ops.h"

namespace hg::models {

void check_loss_name(const std::string& loss, const std::string& flag);  // mse | bce
Tensor reconstruction_loss(const std::string& loss, const Tensor& recon, const Tensor& x,
                           ops::Act output_act);
// The matching per-sample error kind for recon_error().
ops::ReconKind recon_kind(const std::string& loss, ops::Act output_act);

}  // namespace hg::models
