// The start and the end of an 8 x 32 AVX-512 accumulator tile: zeroed accumulators and the C rows
// prefetched for the store; then the store through the GEMM epilogue (alpha, beta, bias,
// ReLU/LeakyReLU/sigmoid in registers; tanh/softplus by act_tile_inplace after the store), shared
// by the fp32 and bf16 microkernels. Masked loads and stores: edge tiles (m < 8, n < 32) take
// the same path and columns past n are never touched. Include only from a file whose functions
// carry target("avx512f") or wider.
#pragma once
#include <immintrin.h>

#include "kernels/cpu/gemm_internal.h"

namespace hg::kernels::cpu::detail {

__attribute__((target("avx512f"), always_inline)) inline void start_tile_8x32(__m512 (&c)[8][2],
                                                                              const float* C,
                                                                              int64_t ldc, int m) {
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    c[i][0] = _mm512_setzero_ps();
    c[i][1] = _mm512_setzero_ps();
  }
  for (int i = 0; i < m; ++i) {  // the C rows this tile will write
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + 16), _MM_HINT_T0);
  }
}

// sigmoid(x) = 1 / (1 + e^-x) in registers, the same recipe as fast_exp (simd_loop.h): clamp,
// n = round(x log2 e), a degree-6 polynomial for e^r, and 2^n by vscalefps. max(lo, x) and
// min(hi, x) return x when it is NaN, so a NaN stays a NaN. Agrees with act_apply's sigmoid to
// about an ulp (the order of roundings differs); for x < -88.7 it returns ~1e-38, not 0.
__attribute__((target("avx512f"), always_inline)) inline __m512 sigmoid_512(__m512 x) {
  __m512 t = _mm512_sub_ps(_mm512_setzero_ps(), x);  // e^t with t = -x
  t = _mm512_max_ps(_mm512_set1_ps(-87.33f), t);
  t = _mm512_min_ps(_mm512_set1_ps(88.72f), t);
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(t, _mm512_set1_ps(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  n = _mm512_min_ps(n, _mm512_set1_ps(127.0f));
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), t);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512 e = _mm512_scalef_ps(p, n);
  return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

__attribute__((target("avx512f"), always_inline)) inline void store_tile_8x32(__m512 (&c)[8][2],
                                                                              float* C, int64_t ldc,
                                                                              int m, int n,
                                                                              const TileEpi& e) {
  const __mmask16 m0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1u);
  const __mmask16 m1 = n >= 32   ? __mmask16(0xFFFF)
                       : n <= 16 ? __mmask16(0)
                                 : __mmask16((1u << (n - 16)) - 1u);
  const __mmask16 mk[2] = {m0, m1};
  const __m512 valpha = _mm512_set1_ps(e.alpha);
  const __m512 vbeta = _mm512_set1_ps(e.beta);
  const __m512 vslope = _mm512_set1_ps(e.slope);
  const __m512 zero = _mm512_setzero_ps();
  __m512 bias[2] = {zero, zero};
  const bool add_bias = e.last && e.bias != nullptr;
  if (add_bias) {
    bias[0] = _mm512_maskz_loadu_ps(m0, e.bias);
    bias[1] = _mm512_maskz_loadu_ps(m1, e.bias + 16);
  }
  const bool relu = e.last && e.act == Act::ReLU;
  const bool leaky = e.last && e.act == Act::LeakyReLU;
  const bool sigm = e.last && e.act == Act::Sigmoid;
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    if (i >= m) break;
    float* crow = C + i * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
      __m512 r = _mm512_mul_ps(c[i][v], valpha);
      if (e.first) {
        if (e.beta != 0.0f)
          r = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mk[v], crow + 16 * v), r);
      } else {
        r = _mm512_add_ps(_mm512_maskz_loadu_ps(mk[v], crow + 16 * v), r);
      }
      if (add_bias) r = _mm512_add_ps(r, bias[v]);
      if (relu) r = _mm512_max_ps(r, zero);
      if (leaky) r = _mm512_mask_mul_ps(r, _mm512_cmp_ps_mask(r, zero, _CMP_LE_OQ), r, vslope);
      if (sigm) r = sigmoid_512(r);
      _mm512_mask_storeu_ps(crow + 16 * v, mk[v], r);
    }
  }
  // The activations without a vector form here (tanh, softplus, any new row): the row's scalar
  // formula over the tile.
  if (e.last && e.act != Act::None && !relu && !leaky && !sigm)
    act_tile_inplace(C, ldc, m, n, e.act, e.slope);
}

}  // namespace hg::kernels::cpu::detail
