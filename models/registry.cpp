#include "models/registry.h"
#include <algorithm>

#include <cmath>
#include <fstream>

#include "engine/io/atomic_file.h"
#include "engine/nn/layers.h"
#include "engine/util/error.h"
#include "models/conv_autoencoder.h"
#include "models/corruption.h"
#include "models/mlp_autoencoder.h"
#include "models/regularizers.h"
#include "models/vae.h"

namespace hg::models {

using nlohmann::json;

ModelSpec load_model_spec(const std::string& path) {
  return model_spec_from_json(io::read_json(path), path);
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

// "binary_latent": SIGMA (> 0), the noise in front of the code's sigmoid
// (models/mlp_autoencoder.h). It implies a sigmoid code; any other latent_activation is a
// contradiction, not overridden.
void read_binary_latent(const json& j, MlpConfig& c, const std::string& origin) {
  if (!j.contains("binary_latent") || j["binary_latent"].is_null()) return;
  if (!j["binary_latent"].is_number())
    throw Error(origin + ": 'binary_latent' must be a number (the noise sigma, e.g. 4)");
  const double v = j["binary_latent"].get<double>();
  if (!(v > 0 && v <= 1e6))
    throw Error(origin + ": 'binary_latent' must be a noise sigma > 0 (absent for a real code)");
  const bool act_given = j.contains("latent_activation") && !j["latent_activation"].is_null();
  if (act_given && c.latent_act != ops::Act::Sigmoid)
    throw Error(origin +
                ": 'binary_latent' needs \"latent_activation\": \"sigmoid\" (or none given)");
  c.latent_act = ops::Act::Sigmoid;
  c.binary_noise = static_cast<float>(v);
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
  read_binary_latent(j, c, origin);
  if (c.latent <= 0) throw Error(origin + ": 'latent' must be a positive integer");
  for (int64_t h : c.hidden)
    if (h <= 0) throw Error(origin + ": every 'hidden' width must be positive");
  c.decoder_hidden = get_or<std::vector<int64_t>>(j, "decoder_hidden", {}, origin);
  for (int64_t h : c.decoder_hidden)
    if (h <= 0) throw Error(origin + ": every 'decoder_hidden' width must be positive");
  if (c.input < 0)
    throw Error(origin + ": 'input' must be positive (or null to take it from the data)");
  return c;
}

// "image": [C, H, W], three positive integers.
void read_image(const json& j, ConvConfig& c, const std::string& origin) {
  if (!j.contains("image") || j["image"].is_null())
    throw Error(origin + ": key 'image' is required for a conv model ([channels, height, width])");
  const auto im = get_or<std::vector<int64_t>>(j, "image", {}, origin);
  if (im.size() != 3 || im[0] <= 0 || im[1] <= 0 || im[2] <= 0)
    throw Error(origin + ": key 'image' must be three positive integers [channels, height, width]");
  c.image_c = im[0], c.image_h = im[1], c.image_w = im[2];
}

ConvConfig conv_config(const json& j, const std::string& origin) {
  if (j.contains("binary_latent") && !j["binary_latent"].is_null())
    throw Error(origin + ": 'binary_latent' is built for MLP models only (\"type\": \"mlp\")");
  if (j.contains("decoder_hidden") && !j["decoder_hidden"].is_null())
    throw Error(origin + ": 'decoder_hidden' is built for MLP models only (\"type\": \"mlp\")");
  ConvConfig c;
  read_image(j, c, origin);
  c.input = get_or<int64_t>(j, "input", 0, origin);
  const int64_t pixels = c.image_c * c.image_h * c.image_w;
  if (c.input < 0)
    throw Error(origin + ": 'input' must be positive (or null to take it from 'image')");
  if (c.input != 0 && c.input != pixels)
    throw Error(origin + ": 'input' is " + std::to_string(c.input) + " but 'image' has " +
                std::to_string(pixels) + " values");
  c.input = pixels;
  if (!j.contains("channels") || j["channels"].is_null())
    throw Error(origin + ": key 'channels' is required for a conv model (the encoder's widths)");
  c.channels = get_or<std::vector<int64_t>>(j, "channels", {}, origin);
  if (c.channels.empty()) throw Error(origin + ": 'channels' must list at least one width");
  for (int64_t w : c.channels)
    if (w <= 0) throw Error(origin + ": every 'channels' width must be positive");
  c.kernel = get_or<int64_t>(j, "kernel", 3, origin);
  c.stride = get_or<int64_t>(j, "stride", 2, origin);
  c.padding = get_or<int64_t>(j, "padding", 1, origin);
  if (c.kernel <= 0) throw Error(origin + ": 'kernel' must be a positive integer");
  if (c.stride <= 0) throw Error(origin + ": 'stride' must be a positive integer");
  if (c.padding < 0 || 2 * c.padding > c.kernel)
    throw Error(origin + ": 'padding' must be between 0 and half the kernel");
  c.latent = get_or<int64_t>(j, "latent", 0, origin);
  if (c.latent <= 0) throw Error(origin + ": 'latent' must be a positive integer");
  try {
    c.act = ops::parse_act(get_or<std::string>(j, "activation", "relu", origin));
    c.latent_act = ops::parse_act(get_or<std::string>(j, "latent_activation", "none", origin));
    c.output_act = ops::parse_act(get_or<std::string>(j, "output_activation", "none", origin));
    c.init = nn::parse_init(get_or<std::string>(j, "init", "default", origin));
  } catch (const Error& e) {
    throw Error(origin + ": " + e.what());
  }
  if (!ops::act_fusable(c.act))
    throw Error(origin + ": 'activation' " + ops::act_name(c.act) +
                " cannot be fused into a convolution; use relu, leaky_relu, sigmoid, tanh or none");
  c.alpha = get_or<float>(j, "leaky_alpha", 0.01f, origin);
  c.batch_norm = get_or<bool>(j, "batch_norm", false, origin);
  c.dropout = get_or<float>(j, "dropout", 0.0f, origin);
  if (!(c.dropout >= 0.0f && c.dropout < 1.0f))
    throw Error(origin + ": 'dropout' must be in [0, 1)");
  c.sizes(origin);  // every convolution has a non-empty output
  return c;
}

VaeConfig vae_config(const json& j, const std::string& origin) {
  MlpConfig m = mlp_config(j, origin);  // the shared keys, validated the same way
  if (j.contains("latent_activation") && !j["latent_activation"].is_null())
    throw Error(origin + ": a vae has no 'latent_activation' (its latent is Gaussian)");
  if (m.binary_noise > 0)
    throw Error(origin + ": a vae has no 'binary_latent' (its latent is Gaussian)");
  if (!m.decoder_hidden.empty())
    throw Error(origin + ": a vae has no 'decoder_hidden' (its decoder mirrors its encoder)");
  if (j.contains("regularizers") && !j["regularizers"].is_null())
    throw Error(origin +
                ": a vae takes no 'regularizers' (its KL term is the regulariser; use 'beta')");
  VaeConfig c;
  c.input = m.input, c.hidden = m.hidden, c.latent = m.latent, c.act = m.act;
  c.output_act = m.output_act, c.init = m.init, c.alpha = m.alpha;
  c.beta = get_or<float>(j, "beta", 1.0f, origin);
  c.sigma = get_or<float>(j, "sigma", 1.0f, origin);
  if (!(c.beta >= 0.0f) || !std::isfinite(c.beta))
    throw Error(origin + ": 'beta' must be a finite number >= 0");
  if (!(c.sigma > 0.0f) || !std::isfinite(c.sigma))
    throw Error(origin + ": 'sigma' must be a finite number > 0");
  if (c.output_act != ops::Act::None && c.output_act != ops::Act::Sigmoid)
    throw Error(origin + ": a vae's 'output_activation' must be none (logits) or sigmoid");
  return c;
}

}  // namespace

namespace {

// "hidden": "auto" and "latent": "auto" (MLP models for tables): sizes from the number of
// features D. One hidden layer of 2D units (8..256) widens before the squeeze, so the encoder
// can mix features; the code keeps about a quarter of them (2..32): enough to describe the
// correlated structure of a real table, too few to copy the input through.
void resolve_auto_sizes(json& j, int64_t D, const std::string& origin) {
  if (j.value("hidden", json()).is_string()) {
    if (j["hidden"] != "auto")
      throw Error(origin + ": 'hidden' must be a list of widths or \"auto\"");
    j["hidden"] = std::vector<int64_t>{std::clamp<int64_t>(2 * D, 8, 256)};
  }
  if (j.value("latent", json()).is_string()) {
    if (j["latent"] != "auto")
      throw Error(origin + ": 'latent' must be a positive integer or \"auto\"");
    j["latent"] = std::clamp<int64_t>((D + 2) / 4, 2, 32);
  }
}

}  // namespace

ModelSpec model_spec_from_json(const json& j, const std::string& origin) {
  if (!j.is_object()) throw Error(origin + ": a model config must be a JSON object");
  ModelSpec s;
  s.json = j;
  s.origin = origin;
  s.name = get_or<std::string>(j, "name", "model", origin);
  s.type = get_or<std::string>(j, "type", "mlp", origin);
  if (s.type == "mlp") {
    json sized = j;  // validate now, not at the first epoch ("auto" sizes as for 8 features)
    resolve_auto_sizes(sized, 8, origin);
    mlp_config(sized, origin);
  } else if (s.type == "conv")
    conv_config(j, origin);
  else if (s.type == "vae")
    vae_config(j, origin);
  else
    throw Error(origin + ": unknown model type '" + s.type +
                "' (this build knows: mlp, conv, vae)");
  parse_regularizers(j, origin);
  noise_config(j, origin);
  return s;
}

void resolve_input(ModelSpec& spec, int64_t data_features, const std::string& origin) {
  resolve_auto_sizes(spec.json, data_features, origin);
  int64_t fixed = get_or<int64_t>(spec.json, "input", 0, origin);
  if (spec.type == "conv") fixed = conv_config(spec.json, origin).input;  // C*H*W of 'image'
  if (fixed != 0 && fixed != data_features)
    throw Error(origin + ": the model expects " + std::to_string(fixed) +
                " input features but the data have " + std::to_string(data_features));
  spec.json["input"] = data_features;
}

std::shared_ptr<Autoencoder> build_model(const ModelSpec& spec, Rng& rng) {
  std::shared_ptr<Autoencoder> m;
  if (spec.type == "conv") {
    m = std::make_shared<ConvAutoencoder>(conv_config(spec.json, spec.name), rng);
  } else if (spec.type == "vae") {
    VaeConfig c = vae_config(spec.json, spec.name);
    if (c.input <= 0) throw Error(spec.name + ": the input size is not resolved");
    m = std::make_shared<Vae>(c, rng);
  } else {
    MlpConfig c = mlp_config(spec.json, spec.name);
    if (c.input <= 0) throw Error(spec.name + ": the input size is not resolved");
    m = std::make_shared<MlpAutoencoder>(c, rng);
  }
  const std::string& where = spec.origin.empty() ? spec.name : spec.origin;
  for (auto& r : parse_regularizers(spec.json, where)) {
    r->check(*m, where);
    m->add_regularizer(r);
  }
  return m;
}

}  // namespace hg::models
