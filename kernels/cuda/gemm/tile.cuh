// Device helpers shared by the GEMM kernels: transposition-aware element access, cooperative
// bounds-checked tile loads into shared memory, and the N/T dispatch.
//
// Every kernel sees op(A) as a logical [M,K] matrix and op(B) as a logical [K,N] matrix. Element
// (r, c) of op(X), X row-major with leading dimension ld, is X[r*ld + c] when not transposed and
// X[c*ld + r] when transposed; the flag is a template parameter, so each of NN/NT/TN/TT is its own
// instantiation with no runtime branch in the inner loop.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/gemm/gemm_params.h"

namespace hg::kernels::cuda::gemm_detail {

template <bool T>
__device__ __forceinline__ float op_at(const float* __restrict__ X, int64_t ld, int64_t r,
                                       int64_t c) {
  return T ? X[c * ld + r] : X[r * ld + c];
}

// Cooperative load of the R x C tile of op(X) starting at (r0, c0) into shared memory, zero-filled
// outside the [rows, cols] matrix. NT threads, this one is `tid`. STORE_T stores the tile
// transposed (dst[c*ldd + r], i.e. C x R) instead of dst[r*ldd + c].
// Coalescing: consecutive threads take consecutive elements along the dimension that is
// contiguous in memory (c when X is not transposed, r when it is).
template <bool T, bool STORE_T, int R, int C, int NT>
__device__ __forceinline__ void load_tile(const float* __restrict__ X, int64_t ld, int64_t rows,
                                          int64_t cols, int64_t r0, int64_t c0, float* dst, int ldd,
                                          int tid) {
  constexpr int kIters = (R * C + NT - 1) / NT;
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int idx = tid + it * NT;
    if (idx < R * C) {
      const int r = T ? idx % R : idx / C;
      const int c = T ? idx / R : idx % C;
      const int64_t gr = r0 + r, gc = c0 + c;
      const float v = (gr < rows && gc < cols) ? op_at<T>(X, ld, gr, gc) : 0.0f;
      dst[STORE_T ? c * ldd + r : r * ldd + c] = v;
    }
  }
}

// Same tile, read as float4 along the memory-contiguous dimension when `vec` says the operand
// allows it (ld % 4 == 0, 16-byte aligned base; r0, c0 multiples of 4). A 4-vector that would run
// past the matrix edge is read element by element with bounds checks. `vec` false: scalar path.
template <bool T, bool STORE_T, int R, int C, int NT>
__device__ __forceinline__ void load_tile_vec(const float* __restrict__ X, int64_t ld, int64_t rows,
                                              int64_t cols, int64_t r0, int64_t c0, float* dst,
                                              int ldd, int tid, bool vec) {
  static_assert(R % 4 == 0 && C % 4 == 0, "vectorised tiles need multiple-of-4 sides");
  if (!vec) {
    load_tile<T, STORE_T, R, C, NT>(X, ld, rows, cols, r0, c0, dst, ldd, tid);
    return;
  }
  constexpr int R4 = T ? R / 4 : R;  // tile size in 4-vectors
  constexpr int C4 = T ? C : C / 4;
  constexpr int kIters = (R4 * C4 + NT - 1) / NT;
  // In memory X is [outer][inner]: outer = row of op(X) and inner = column when not transposed,
  // swapped when transposed.
  const int64_t outer_n = T ? cols : rows, inner_n = T ? rows : cols;
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int idx = tid + it * NT;
    if (idx < R4 * C4) {
      const int r = T ? (idx % R4) * 4 : idx / C4;  // first element of the 4-vector in the tile
      const int c = T ? idx / R4 : (idx % C4) * 4;
      const int64_t outer = T ? c0 + c : r0 + r;
      const int64_t inner = T ? r0 + r : c0 + c;
      float v[4];
      if (outer < outer_n && inner + 3 < inner_n) {
        const float4 f = *reinterpret_cast<const float4*>(X + outer * ld + inner);
        v[0] = f.x;
        v[1] = f.y;
        v[2] = f.z;
        v[3] = f.w;
      } else {
#pragma unroll
        for (int q = 0; q < 4; ++q)
          v[q] = (outer < outer_n && inner + q < inner_n) ? X[outer * ld + inner + q] : 0.0f;
      }
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const int rr = T ? r + q : r, cc = T ? c : c + q;
        dst[STORE_T ? cc * ldd + rr : rr * ldd + cc] = v[q];
      }
    }
  }
}

// Calls L::run<TA, TB>(p, s) for the transposition case in p.
template <class L>
void dispatch_trans(const GemmParams& p, cudaStream_t s) {
  if (p.ta) {
    if (p.tb)
      L::template run<true, true>(p, s);
    else
      L::template run<true, false>(p, s);
  } else {
    if (p.tb)
      L::template run<false, true>(p, s);
    else
      L::template run<false, false>(p, s);
  }
}

}  // namespace hg::kernels::cuda::gemm_detail
