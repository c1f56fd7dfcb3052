// AVX-512 GEMM microkernel, 8 x 32 register tile.
//
// The C tile lives in 16 zmm accumulators (8 rows x 2 vectors of 16 floats). Per k step it loads
// two vectors of the packed B panel (128 bytes, L1-resident), broadcasts 8 values of the packed A
// panel (32 bytes, streamed from L2) and issues 16 FMAs = 512 FLOPs: 16 FLOPs per byte moved, so
// the loop is bound by the two FMA pipes, not by loads. 16 independent accumulators cover the
// 4-cycle FMA latency at 2 FMAs/cycle. The epilogue (alpha, beta, bias, ReLU/LeakyReLU) runs on
// the accumulators with masked loads/stores, so edge tiles (m < 8 or n < 32) take the same path
// and columns past n are never touched. Compiled with a target attribute: no -march needed.
#include "kernels/cpu/act_scalar.h"
#include "kernels/cpu/gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

// GCC 12 flags the intrinsics' internal _mm512_undefined_ps() operand: a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace hg::kernels::cpu::detail {
namespace {

constexpr int MR = 8;
constexpr int NR = 32;

__attribute__((target("avx512f,fma"))) void ukernel_8x32(int64_t kc, const float* A,
                                                        const float* B, float* C, int64_t ldc,
                                                        int m, int n, const TileEpi& e) {
  __m512 c[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    c[i][0] = _mm512_setzero_ps();
    c[i][1] = _mm512_setzero_ps();
  }
  // Prefetch the C tile we will write.
  for (int i = 0; i < m; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + 16), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(B);
    const __m512 b1 = _mm512_load_ps(B + 16);
    _mm_prefetch(reinterpret_cast<const char*>(B + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(A[i]);
      c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
      c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
    }
    A += MR;
    B += NR;
  }

  // Epilogue.
  const __mmask16 m0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1u);
  const __mmask16 m1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1u);
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
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* crow = C + i * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
      __m512 r = _mm512_mul_ps(c[i][v], valpha);
      if (e.first) {
        if (e.beta != 0.0f) r = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mk[v], crow + 16 * v), r);
      } else {
        r = _mm512_add_ps(_mm512_maskz_loadu_ps(mk[v], crow + 16 * v), r);
      }
      if (add_bias) r = _mm512_add_ps(r, bias[v]);
      if (relu) r = _mm512_max_ps(r, zero);
      if (leaky) r = _mm512_mask_mul_ps(r, _mm512_cmp_ps_mask(r, zero, _CMP_LE_OQ), r, vslope);
      _mm512_mask_storeu_ps(crow + 16 * v, mk[v], r);
    }
  }
  if (e.last && (e.act == Act::Sigmoid || e.act == Act::Tanh || e.act == Act::Softplus))
    act_tile_inplace(C, ldc, m, n, e.act, e.slope);
}

}  // namespace

KernelInfo kernel_avx512() { return {MR, NR, &ukernel_8x32, "avx512-8x32"}; }
bool cpu_has_avx512() { return __builtin_cpu_supports("avx512f"); }

}  // namespace hg::kernels::cpu::detail

#else
namespace hg::kernels::cpu::detail {
KernelInfo kernel_avx512() { return kernel_scalar(); }
bool cpu_has_avx512() { return false; }
}  // namespace hg::kernels::cpu::detail
#endif
