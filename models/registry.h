// Builds any model of the family from its JSON config (models/configs/*.json).
//
// Config keys: "name", "type" ("mlp"; "conv" whose keys models/conv_autoencoder.h lists; "vae"
// whose extra keys models/vae.h lists), "input" (an integer, or null/absent to take it from the
// data), "hidden" [widths], "latent", "activation", "latent_activation", "output_activation",
// "init", "leaky_alpha", "binary_latent" (MLP only: the noise sigma of a binary code,
// models/mlp_autoencoder.h), "regularizers" (models/regularizers.h), "noise" and "noise_clip" for
// denoising (models/corruption.h), and "defaults" {loss, optimizer, lr, batch, epochs, scaler}
// that `hourglass train` uses where no flag is given.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/util/rng.h"
#include "models/autoencoder.h"

namespace hg::models {

struct ModelSpec {
  std::string name;
  std::string type;
  nlohmann::json json;  // the config as read, with "input" filled in once resolved
  std::string origin;   // where it came from (a file path), for messages
};

// Reads and validates a config file; errors name the file and the key.
ModelSpec load_model_spec(const std::string& path);
ModelSpec model_spec_from_json(const nlohmann::json& j, const std::string& origin);

// Fixes the input size from the data: an open size is filled in; a fixed one must match
// (otherwise Error naming the config and both sizes).
void resolve_input(ModelSpec& spec, int64_t data_features, const std::string& origin);

// A freshly initialised model (spec.json must have its input resolved).
std::shared_ptr<Autoencoder> build_model(const ModelSpec& spec, Rng& rng);

}  // namespace hg::models
