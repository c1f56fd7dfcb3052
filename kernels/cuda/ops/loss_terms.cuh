// Internal: the elementwise loss terms e(t, p) and their derivatives de/dp, mirroring the
// anonymous-namespace helpers of kernels/cpu/loss.cpp operation for operation (products that feed
// an add are rounded first, as the CPU build does not contract to FMA).
#pragma once
#include "kernels/cpu/loss.h"
#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda::ops_detail {

__device__ __forceinline__ float clampp(float p) {
  return fminf(fmaxf(p, ::hg::kernels::cpu::kBceEps), 1.0f - ::hg::kernels::cpu::kBceEps);
}

// All terms take (target t, prediction p).
struct MseE {
  __device__ float operator()(float t, float p) const {
    const float d = p - t;
    return d * d;
  }
};
struct MseD {
  __device__ float operator()(float t, float p) const { return 2.0f * (p - t); }
};
struct BceE {
  __device__ float operator()(float t, float p) const {
    const float q = clampp(p);
    return -(rn_mul(t, logf(q)) + rn_mul(1.0f - t, logf(1.0f - q)));
  }
};
struct BceD {
  __device__ float operator()(float t, float p) const {
    constexpr float eps = ::hg::kernels::cpu::kBceEps;
    if (p < eps || p > 1.0f - eps) return 0.0f;
    return (p - t) / (p * (1.0f - p));
  }
};
struct BceLogitsE {
  __device__ float operator()(float t, float z) const {
    return fmaxf(z, 0.0f) - rn_mul(z, t) + log1pf(expf(-fabsf(z)));
  }
};
struct BceLogitsD {
  __device__ float operator()(float t, float z) const { return dev_sigmoid(z) - t; }
};

}  // namespace hg::kernels::cuda::ops_detail
