#include "models/registry.h"

#include <fstream>

#include "engine/nn/layers.h"
#include "engine/util/error.h"
#include "models/mlp_autoencoder.h"

namespace hg::models {

using nlohmann::json;

ModelSpec load_model_spec(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open model config");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(path + ": invalid JSON: " + e.what());
  }
  return model_spec_from_json(j, path);
}

namespace {

template <class T>
T get_or(const json& j, const char* key, T fallback, const std::string& origin) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  try {
    return j[key].get<T>();
  } catch (const json::exception&) {
    throw Error(origin + ": key '" + key + "' has the wrong type");
  }
}

MlpConfig mlp_config(const json& j, const std::string& origin) {
  MlpConfig c;
  c.input = get_or<int64_t>(j, "input", 0, origin);
  c.hidden = get_or<std::vector<int64_t>>(j, "hidden", {}, origin);
  c.latent = get_or<int64_t>(j, "latent", 0, origin);
  try {
    c.act = ops::parse_act(get_or<std::string>(j, "activation", "relu", origin));
    c.latent_act = ops::parse_act(get_or<std::string>(j, "latent_activation", "none", origin));
    c.output_act = ops::parse_act(get_or<std::string>(j, "output_activation", "none", origin));
    c.init = nn::parse_init(get_or<std::string>(j, "init", "default", origin));
  } catch (const Error& e) {
    throw Error(origin + ": " + e.what());
  }
  c.alpha = get_or<float>(j, "leaky_alpha", 0.01f, origin);
  if (c.latent <= 0) throw Error(origin + ": 'latent' must be a positive integer");
  for (int64_t h : c.hidden)
    if (h <= 0) throw Error(origin + ": every 'hidden' width must be positive");
  if (c.input < 0) throw Error(origin + ": 'input' must be positive (or null to take it from the data)");
  return c;
}

}  // namespace

ModelSpec model_spec_from_json(const json& j, const std::string& origin) {
  if (!j.is_object()) throw Error(origin + ": a model config must be a JSON object");
  ModelSpec s;
  s.json = j;
  s.name = get_or<std::string>(j, "name", "model", origin);
  s.type = get_or<std::string>(j, "type", "mlp", origin);
  if (s.type != "mlp")
    throw Error(origin + ": unknown model type '" + s.type + "' (this build knows: mlp)");
  mlp_config(j, origin);  // validate now, not at the first epoch
  return s;
}

void resolve_input(ModelSpec& spec, int64_t data_features, const std::string& origin) {
  const int64_t fixed = get_or<int64_t>(spec.json, "input", 0, origin);
  if (fixed != 0 && fixed != data_features)
    throw Error(origin + ": the model expects " + std::to_string(fixed) +
                " input features but the data have " + std::to_string(data_features));
  spec.json["input"] = data_features;
}

std::shared_ptr<Autoencoder> build_model(const ModelSpec& spec, Rng& rng) {
  MlpConfig c = mlp_config(spec.json, spec.name);
  if (c.input <= 0) throw Error(spec.name + ": the input size is not resolved");
  return std::make_shared<MlpAutoencoder>(c, rng);
}

}  // namespace hg::models
