// Input corruption for denoising autoencoders, configured in the model config:
//   "noise": "gaussian:0.3" | "saltpepper:0.1" | "mask:0.25", "noise_clip": true|false
// The trainer draws a fresh corruption of every batch on the fly (on the batch's device) and
// trains the model to reproduce the clean batch; evaluation never corrupts.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/ops/ops.h"

namespace hg::models {

struct NoiseConfig {
  bool enabled = false;
  ops::Noise kind = ops::Noise::Gaussian;
  float level = 0.0f;  // sigma (gaussian) or probability (saltpepper, mask)
  bool clip = false;   // clamp the corrupted values to [0, 1] (image data)
  std::string text;    // as written, for logs
};

// Reads spec["noise"] (absent or null: disabled). Errors name origin.
NoiseConfig noise_config(const nlohmann::json& spec, const std::string& origin);
// A corrupted copy of x (never requires grad); x itself when disabled.
Tensor apply_noise(const NoiseConfig& c, const Tensor& x, uint64_t seed);

}  // namespace hg::models
