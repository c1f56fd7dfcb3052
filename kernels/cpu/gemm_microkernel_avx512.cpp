// AVX-512 GEMM microkernel, 8 x 32 register tile.
//
// The C tile lives in 16 zmm accumulators (8 rows x 2 vectors of 16 floats). Per k step it loads
// two vectors of the packed B panel (128 bytes, L1-resident), broadcasts 8 values of the packed A
// panel (32 bytes, streamed from L2) and issues 16 FMAs = 512 FLOPs: 16 FLOPs per byte moved, so
// the loop is bound by the two FMA pipes, not by loads. 16 independent accumulators cover the
// 4-cycle FMA latency at 2 FMAs/cycle. The epilogue runs on the accumulators
// (gemm_tile_avx512.h, shared with the bf16 kernel). Compiled with a target attribute: no
// -march needed.
#include "kernels/common/activation.h"
#include "kernels/cpu/gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels/cpu/gemm_tile_avx512.h"

// GCC 12 flags the intrinsics' internal _mm512_undefined_ps() operand: a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace hg::kernels::cpu::detail {
namespace {

constexpr int MR = 8;
constexpr int NR = 32;

__attribute__((target("avx512f,fma"))) void ukernel_8x32(int64_t kc, const float* A, const float* B,
                                                         float* C, int64_t ldc, int m, int n,
                                                         const TileEpi& e) {
  __m512 c[MR][2];
  start_tile_8x32(c, C, ldc, m);
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

  store_tile_8x32(c, C, ldc, m, n, e);
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
