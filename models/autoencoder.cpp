#include "models/autoencoder.h"

#include "models/losses.h"
#include "models/regularizers.h"

namespace hg::models {

LossParts Autoencoder::objective(const Tensor& input, const Tensor& target,
                                 const std::string& loss) {
  Trace trace = encode_trace(input);
  Tensor recon = decode(trace.latent());
  Tensor rec = reconstruction_loss(loss, recon, target, output_act());
  LossParts parts{rec, {{"recon", rec}}};
  for (const auto& reg : regularizers_) {
    Tensor v = reg->penalty(*this, trace);
    parts.total = ops::add(parts.total, v);
    parts.terms.emplace_back(reg->name(), v);
  }
  return parts;
}

Tensor Autoencoder::to_data(const Tensor& decoded, const std::string& loss) const {
  if (recon_kind(loss, output_act()) == ops::ReconKind::BCELogits) return ops::sigmoid(decoded);
  return decoded;
}

}  // namespace hg::models
