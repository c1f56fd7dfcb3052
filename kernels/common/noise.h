// The kinds of input corruption (denoising autoencoders) and the check of their parameter, shared
// by the CPU kernel (kernels/cpu/random.h) and its CUDA twin (kernels/cuda/ops/random.h).
#pragma once
#include <cmath>
#include <string>

#include "kernels/common/error.h"

namespace hg::kernels {

enum class Noise { Gaussian, SaltPepper, Mask };

// Gaussian: param is the standard deviation (>= 0); SaltPepper and Mask: a probability in [0, 1].
// Throws hg::Error for a non-finite param or one outside its range.
inline void check_noise_param(Noise kind, float param) {
  if (!std::isfinite(param))
    throw Error("corrupt: noise parameter must be finite, got " + std::to_string(param));
  if (kind == Noise::Gaussian) {
    if (param < 0.0f)
      throw Error("corrupt: gaussian sigma must be >= 0, got " + std::to_string(param));
  } else if (param < 0.0f || param > 1.0f) {
    throw Error("corrupt: probability must be in [0, 1], got " + std::to_string(param));
  }
}

}  // namespace hg::kernels
