#include "models/corruption.h"

#include <cmath>

#include "engine/ops/conv_ops.h"
#include "engine/util/error.h"

namespace hg::models {

namespace {

// "downsample:F": F an integer >= 2 that divides the image's height and width.
void parse_downsample(const nlohmann::json& spec, const std::string& origin, NoiseConfig& c) {
  const std::string arg = c.text.substr(c.text.find(':') + 1);
  char* end = nullptr;
  const long f = std::strtol(arg.c_str(), &end, 10);
  if (arg.empty() || *end != '\0' || f < 2 || f > 64)
    throw Error(origin + ": 'noise': downsample:F needs an integer factor F from 2 to 64, got '" +
                arg + "'");
  if (spec.contains("image") && spec["image"].is_array() && spec["image"].size() == 3) {
    c.c = spec["image"][0].get<int64_t>();
    c.h = spec["image"][1].get<int64_t>();
    c.w = spec["image"][2].get<int64_t>();
  } else {
    const int64_t d = spec.value("input", static_cast<int64_t>(0));
    const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(d))));
    if (d <= 0 || side * side != d)
      throw Error(origin +
                  ": 'noise': downsample needs the image shape (an \"image\": [C, H, W] "
                  "key, or a square one-channel \"input\")");
    c.h = c.w = side;
  }
  if (c.h % f != 0 || c.w % f != 0)
    throw Error(origin + ": 'noise': downsample:" + arg + " does not divide the " +
                std::to_string(c.h) + "x" + std::to_string(c.w) + " image");
  c.downsample = f;
}

}  // namespace

NoiseConfig noise_config(const nlohmann::json& spec, const std::string& origin) {
  NoiseConfig c;
  if (!spec.contains("noise") || spec["noise"].is_null()) return c;
  if (!spec["noise"].is_string())
    throw Error(
        origin +
        ": 'noise' must be a string such as \"gaussian:0.3\", \"saltpepper:0.1\" or \"mask:0.25\"");
  c.text = spec["noise"].get<std::string>();
  if (c.text.rfind("downsample:", 0) == 0) {
    parse_downsample(spec, origin, c);
    c.enabled = true;
    return c;
  }
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
  if (c.downsample > 0) {
    const int64_t B = x.size(0), f = c.downsample;
    const Tensor img = ops::reshape(x, {B, c.c, c.h, c.w});
    return ops::reshape(ops::upsample_nearest2d(ops::avg_pool2d(img, f), f, f),
                        {B, c.c * c.h * c.w});
  }
  return ops::corrupt(x, c.kind, c.level, seed, c.clip);
}

}  // namespace hg::models
