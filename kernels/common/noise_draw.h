// Per-element formulas of the counter-based noise kernels (randn, corrupt), shared by
// kernels/cpu/random.cpp and kernels/cuda/ops/random.cu so the CPU and the GPU compute the same
// value for the same (seed, i) by construction. Internal header: include only from kernels.
//
// Bits:     h_i = splitmix64(key ^ splitmix64(i)), key = splitmix64(seed ^ K_noise), so the noise
//           stream of a seed is unrelated to the dropout mask and the initialisation of that seed.
// Normal:   Box-Muller on the two 32-bit halves of h_i, one value per element (the sine half is
//           dropped so element i depends on i alone):
//           u1 = (hi32 + 0.5) 2^-32 in (0, 1), u2 = lo32 2^-32 in [0, 1),
//           z = sqrt(-2 ln u1) cos(2 pi u2), |z| <= ~6.7.
//           Evaluated in double on both sides and rounded once to fp32: glibc and CUDA's double
//           log/cos are within an ulp or two of double, far below half an fp32 ulp, so the fp32
//           results agree bit for bit except in the (~2^-28 per value) case of a near tie.
// Uniform:  u = (h_i >> 40) 2^-24, 24 bits, exact in fp32 (the counter_uniform of dropout).
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/counter_hash.h"

namespace hg::kernels::noise {

constexpr uint64_t kNoiseDomain = 0x6a09e667f3bcc909ULL;  // sqrt(2)'s fraction bits

HG_HOST_DEVICE uint64_t key(uint64_t seed) { return splitmix64(seed ^ kNoiseDomain); }

HG_HOST_DEVICE uint64_t bits(uint64_t key, uint64_t i) { return splitmix64(key ^ splitmix64(i)); }

HG_HOST_DEVICE float uniform(uint64_t h) { return static_cast<float>(h >> 40) * 0x1.0p-24f; }

HG_HOST_DEVICE float normal(uint64_t h) {
  const double u1 = (static_cast<double>(h >> 32) + 0.5) * 0x1.0p-32;
  const double u2 = static_cast<double>(h & 0xffffffffULL) * 0x1.0p-32;
  return static_cast<float>(::sqrt(-2.0 * ::log(u1)) * ::cos(6.283185307179586476925 * u2));
}

// kind: 0 Gaussian, 1 SaltPepper, 2 Mask (kernels/common/noise.h's Noise).
HG_HOST_DEVICE float corrupt_one(int kind, float x, float param, uint64_t key, uint64_t i,
                                 bool clip01) {
  const uint64_t h = bits(key, i);
  if (kind == 0) {
    const float v = x + mul_rn(param, normal(h));
    return clip01 ? (v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v)) : v;
  }
  if (uniform(h) >= param) return x;  // kept: P = 1 - param
  if (kind == 2) return 0.0f;
  return (h & 1u) ? 1.0f : 0.0f;  // salt or pepper: the lowest bit, independent of u's bits
}

}  // namespace hg::kernels::noise
