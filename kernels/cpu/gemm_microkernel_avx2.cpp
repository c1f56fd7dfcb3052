// AVX2 + FMA GEMM microkernel, 6 x 16 register tile (the classic Haswell shape).
//
// 12 ymm accumulators (6 rows x 2 vectors of 8), 2 B loads + 6 A broadcasts per k step feeding
// 12 FMAs = 192 FLOPs from 88 bytes of cache traffic, which keeps both FMA pipes busy on
// AVX2-only machines. Full tiles run the epilogue in registers; edge tiles (m < 6 or n < 16) go
// through a small stack buffer and the scalar epilogue. Compiled with a target attribute.
#include "kernels/cpu/gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace hg::kernels::cpu::detail {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

__attribute__((target("avx2,fma"))) void ukernel_6x16(int64_t kc, const float* A, const float* B,
                                                      float* C, int64_t ldc, int m, int n,
                                                      const TileEpi& e) {
  __m256 c[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    c[i][0] = _mm256_setzero_ps();
    c[i][1] = _mm256_setzero_ps();
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(B);
    const __m256 b1 = _mm256_load_ps(B + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 a = _mm256_broadcast_ss(A + i);
      c[i][0] = _mm256_fmadd_ps(a, b0, c[i][0]);
      c[i][1] = _mm256_fmadd_ps(a, b1, c[i][1]);
    }
    A += MR;
    B += NR;
  }
  const bool vec_act = e.act == Act::None || e.act == Act::ReLU || e.act == Act::LeakyReLU;
  if (m == MR && n == NR && (vec_act || !e.last)) {
    const __m256 valpha = _mm256_set1_ps(e.alpha), vbeta = _mm256_set1_ps(e.beta);
    const __m256 zero = _mm256_setzero_ps(), vslope = _mm256_set1_ps(e.slope);
    const bool add_bias = e.last && e.bias != nullptr;
    const bool relu = e.last && e.act == Act::ReLU, leaky = e.last && e.act == Act::LeakyReLU;
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      for (int v = 0; v < 2; ++v) {
        float* p = C + i * ldc + 8 * v;
        __m256 r = _mm256_mul_ps(c[i][v], valpha);
        if (e.first) {
          if (e.beta != 0.0f) r = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(p), r);
        } else {
          r = _mm256_add_ps(_mm256_loadu_ps(p), r);
        }
        if (add_bias) r = _mm256_add_ps(r, _mm256_loadu_ps(e.bias + 8 * v));
        if (relu) r = _mm256_max_ps(r, zero);
        if (leaky) {
          __m256 neg = _mm256_cmp_ps(r, zero, _CMP_LE_OQ);
          r = _mm256_blendv_ps(r, _mm256_mul_ps(r, vslope), neg);
        }
        _mm256_storeu_ps(p, r);
      }
    }
    return;
  }
  alignas(32) float acc[MR * NR];
  for (int i = 0; i < MR; ++i) {
    _mm256_store_ps(acc + i * NR, c[i][0]);
    _mm256_store_ps(acc + i * NR + 8, c[i][1]);
  }
  store_tile_scalar(acc, NR, C, ldc, m, n, e);
}

}  // namespace

KernelInfo kernel_avx2() { return {MR, NR, &ukernel_6x16, "avx2-6x16"}; }
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

}  // namespace hg::kernels::cpu::detail

#else
namespace hg::kernels::cpu::detail {
KernelInfo kernel_avx2() { return kernel_scalar(); }
bool cpu_has_avx2() { return false; }
}  // namespace hg::kernels::cpu::detail
#endif
