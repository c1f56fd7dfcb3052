#include "models/corruption.h"

#include "engine/util/error.h"

namespace hg::models {

NoiseConfig noise_config(const nlohmann::json& spec, const std::string& origin) {
  NoiseConfig c;
  if (!spec.contains("noise") || spec["noise"].is_null()) return c;
  if (!spec["noise"].is_string())
    throw Error(
        origin +
        ": 'noise' must be a string such as \"gaussian:0.3\", \"saltpepper:0.1\" or \"mask:0.25\"");
  c.text = spec["noise"].get<std::string>();
  try {
    c.kind = ops::parse_noise(c.text, &c.level);
  } catch (const Error& e) {
    throw Error(origin + ": 'noise': " + e.what());
  }
  if (spec.contains("noise_clip") && !spec["noise_clip"].is_null()) {
    if (!spec["noise_clip"].is_boolean())
      throw Error(origin + ": 'noise_clip' must be true or false");
    c.clip = spec["noise_clip"].get<bool>();
  }
  c.enabled = true;
  return c;
}

Tensor apply_noise(const NoiseConfig& c, const Tensor& x, uint64_t seed) {
  if (!c.enabled) return x;
  return ops::corrupt(x, c.kind, c.level, seed, c.clip);
}

}  // namespace hg::models
