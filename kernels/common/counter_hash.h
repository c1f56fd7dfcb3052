// The counter-based hash behind parameter initialisation and dropout masks, shared by the CPU and
// the CUDA kernels so both draw the same numbers for the same (seed, index) by construction.
// splitmix64's finaliser: a bijection on 64 bits with full avalanche.
#pragma once
#include <cstdint>

#include "kernels/common/host_device.h"

namespace hg::kernels {

HG_HOST_DEVICE uint64_t splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A uniform in [0, 1) from the top 24 bits of hash(seed, i): exactly representable in fp32.
HG_HOST_DEVICE float counter_uniform(uint64_t seed, uint64_t i) {
  return static_cast<float>(splitmix64(seed ^ splitmix64(i)) >> 40) * 0x1.0p-24f;
}

}  // namespace hg::kernels
