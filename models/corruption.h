// Input corruption for denoising autoencoders, configured in the model config:
//   "noise": "gaussian:0.3" | "saltpepper:0.1" | "mask:0.25", "noise_clip": true|false
// The trainer draws a fresh corruption of every batch on the fly (on the batch's device) and
// trains the model to reproduce the clean batch; evaluation never corrupts random noise.
//   "noise": "downsample:F" (super-resolution, `hourglass upscale`): each F x F block of the
// image averaged, then repeated back to the full size (a blocky image of 1/F the resolution);
// the model learns to restore the original. Deterministic, so the validation loss sees it too.
// Needs the image shape: the config's "image" [C, H, W], else a square one-channel input.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/ops/ops.h"

namespace hg::models {

struct NoiseConfig {
  bool enabled = false;
  ops::Noise kind = ops::Noise::Gaussian;
  float level = 0.0f;           // sigma (gaussian) or probability (saltpepper, mask)
  bool clip = false;            // clamp the corrupted values to [0, 1] (image data)
  std::string text;             // as written, for logs
  int64_t downsample = 0;       // F of "downsample:F" (0: a random noise kind)
  int64_t c = 1, h = 0, w = 0;  // the image shape, for downsample
  bool deterministic() const { return enabled && downsample > 0; }
};

// Reads spec["noise"] (absent or null: disabled). Errors name origin.
NoiseConfig noise_config(const nlohmann::json& spec, const std::string& origin);
// A corrupted copy of x (never requires grad); x itself when disabled.
Tensor apply_noise(const NoiseConfig& c, const Tensor& x, uint64_t seed);

}  // namespace hg::models
