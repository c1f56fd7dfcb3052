// Device side of the fused GEMM epilogue: r = alpha*acc (+ beta*C) (+ bias[j]); C = act(r).
// The activation is kernels/common/activation.h's actfn::apply, the formula the CPU uses.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/cuda/gemm/gemm_params.h"

namespace hg::kernels::cuda::gemm_detail {

// One output element. Bounds-checked: a thread whose (i, j) lies outside C writes nothing.
__device__ __forceinline__ void store_c(const GemmParams& p, int64_t i, int64_t j, float acc) {
  if (i >= p.M || j >= p.N) return;
  float* c = p.C + i * p.ldc + j;
  float r = p.alpha * acc;
  if (p.beta != 0.0f) r += p.beta * *c;  // beta == 0: C is write-only, never read
  if (p.bias) r += p.bias[j];
  *c = actfn::apply(p.act, r, p.act_alpha);
}

// Four consecutive outputs C[i, j..j+3] (j a multiple of 4). One float4 load/store when C allows
// it (p.c_vec) and all four lie inside C; otherwise four checked scalar stores.
__device__ __forceinline__ void store_c4(const GemmParams& p, int64_t i, int64_t j,
                                         const float acc[4]) {
  if (i >= p.M) return;
  if (p.c_vec && j + 3 < p.N) {
    float4* c = reinterpret_cast<float4*>(p.C + i * p.ldc + j);
    float r[4] = {p.alpha * acc[0], p.alpha * acc[1], p.alpha * acc[2], p.alpha * acc[3]};
    if (p.beta != 0.0f) {
      const float4 old = *c;
      r[0] += p.beta * old.x;
      r[1] += p.beta * old.y;
      r[2] += p.beta * old.z;
      r[3] += p.beta * old.w;
    }
    if (p.bias) {
#pragma unroll
      for (int q = 0; q < 4; ++q) r[q] += p.bias[j + q];
    }
    *c =
        make_float4(actfn::apply(p.act, r[0], p.act_alpha), actfn::apply(p.act, r[1], p.act_alpha),
                    actfn::apply(p.act, r[2], p.act_alpha), actfn::apply(p.act, r[3], p.act_alpha));
  } else {
#pragma unroll
    for (int q = 0; q < 4; ++q) store_c(p, i, j + q, acc[q]);
  }
}

}  // namespace hg::kernels::cuda::gemm_detail
