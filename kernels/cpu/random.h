// Counter-based noise on the host: standard normals and input corruption for denoising
// autoencoders. Element i of the output is a pure function of (seed, i) (and x[i]), the same one
// the GPU twins in kernels/cuda/ops/random.h compute (kernels/common/noise_draw.h), so the CPU and
// the GPU draw the same noise for the same seed. fp32, host memory, may run threaded.
#pragma once
#include <cstdint>

#include "kernels/common/noise.h"

namespace hg::kernels::cpu {

using kernels::check_noise_param;
using kernels::Noise;  // kernels/common/noise.h

// y[i] ~ N(0, 1) by Box-Muller, one value per element.
void randn(float* y, int64_t n, uint64_t seed);

// y = corrupted x (y may alias x). Gaussian: y = x + param z_i with z_i = randn(seed)[i], clamped
// to [0, 1] when clip01. SaltPepper: with probability param, y = 0 or 1 (half each), else x. Mask:
// with probability param, y = 0, else x. clip01 applies to Gaussian only. Throws hg::Error for a
// non-finite param, a negative sigma or a probability outside [0, 1].
void corrupt(Noise kind, const float* x, float* y, int64_t n, float param, uint64_t seed,
             bool clip01);

}  // namespace hg::kernels::cpu
