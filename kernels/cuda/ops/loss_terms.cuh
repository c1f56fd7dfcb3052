// Internal: functors over the elementwise loss terms e(t, p) and their derivatives de/dp of
// kernels/common/loss_terms.h (the same formulas kernels/cpu/loss.cpp uses), for the quad maps
// and reductions of kernels/cuda/ops.
#pragma once
#include "kernels/common/loss_terms.h"
#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda::ops_detail {

// All terms take (target t, prediction p).
struct MseE {
  __device__ float operator()(float t, float p) const { return lossfn::mse(t, p); }
};
struct MseD {
  __device__ float operator()(float t, float p) const { return lossfn::mse_d(t, p); }
};
struct BceE {
  __device__ float operator()(float t, float p) const { return lossfn::bce(t, p); }
};
struct BceD {
  __device__ float operator()(float t, float p) const { return lossfn::bce_d(t, p); }
};
struct BceLogitsE {
  __device__ float operator()(float t, float z) const { return lossfn::bce_logits(t, z); }
};
struct BceLogitsD {
  __device__ float operator()(float t, float z) const { return lossfn::bce_logits_d(t, z); }
};

}  // namespace hg::kernels::cuda::ops_detail
