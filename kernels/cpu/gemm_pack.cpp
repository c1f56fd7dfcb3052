// GEMM operand packing: copies a block of op(A) or op(B) into the contiguous panel layout the
// microkernels read (see gemm_internal.h), so one microkernel serves all four transposition cases.
//
// Bytes and FLOPs: packing moves every element of the kc-block once (4 bytes read, 4 written) and
// does no arithmetic; the microkernel then re-reads each packed A element NC/NR times and each
// packed B element MC/MR times from cache, which is what makes the GEMM compute-bound.
// Two access patterns:
//   k-major source (A^T, or B not transposed): each k step is a contiguous run of w floats, a plain
//     copy limited by memory bandwidth.
//   i-major source (A not transposed, or B^T): a transpose. Strips of 8 rows are transposed 8x8 at
//     a time in AVX registers (8 loads, 24 shuffles, 8 stores per 64 floats), so the gather runs
//     at close to copy speed instead of one scalar load per element.
#include <cstring>

#include "kernels/cpu/gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hg::kernels::cpu::detail {
namespace {

#if defined(__x86_64__)
// dst[k*P + r] = src[r*ld + k] for r < 8 (rows), k < kc. Requires AVX.
__attribute__((target("avx2"))) void transpose_strip8_avx(const float* src, int64_t ld, int64_t kc,
                                                          int P, float* dst) {
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    __m256 r0 = _mm256_loadu_ps(src + 0 * ld + k);
    __m256 r1 = _mm256_loadu_ps(src + 1 * ld + k);
    __m256 r2 = _mm256_loadu_ps(src + 2 * ld + k);
    __m256 r3 = _mm256_loadu_ps(src + 3 * ld + k);
    __m256 r4 = _mm256_loadu_ps(src + 4 * ld + k);
    __m256 r5 = _mm256_loadu_ps(src + 5 * ld + k);
    __m256 r6 = _mm256_loadu_ps(src + 6 * ld + k);
    __m256 r7 = _mm256_loadu_ps(src + 7 * ld + k);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1);
    __m256 t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3);
    __m256 t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5);
    __m256 t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7);
    __m256 t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    float* d = dst + k * P;
    _mm256_storeu_ps(d + 0 * P, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(d + 1 * P, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(d + 2 * P, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(d + 3 * P, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(d + 4 * P, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(d + 5 * P, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(d + 6 * P, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(d + 7 * P, _mm256_permute2f128_ps(s3, s7, 0x31));
  }
  for (; k < kc; ++k)
    for (int r = 0; r < 8; ++r) dst[k * P + r] = src[r * ld + k];
}
#endif

void transpose_rows_scalar(const float* src, int64_t ld, int rows, int64_t kc, int P, float* dst) {
  for (int64_t k = 0; k < kc; ++k)
    for (int r = 0; r < rows; ++r) dst[k * P + r] = src[r * ld + k];
}

}  // namespace

void pack_panel(const float* X, bool kmajor, int64_t ld, int64_t i0, int64_t k0, int64_t kc, int w,
                int wpad, int P, float* dst) {
  if (kmajor) {
    const float* src = X + k0 * ld + i0;
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * P;
      const float* s = src + k * ld;
      for (int i = 0; i < w; ++i) d[i] = s[i];
      for (int i = w; i < wpad; ++i) d[i] = 0.0f;
    }
    return;
  }
  const float* src = X + i0 * ld + k0;
  int r = 0;
#if defined(__x86_64__)
  static const bool has_avx2 = cpu_has_avx2();
  if (has_avx2)
    for (; r + 8 <= w; r += 8) transpose_strip8_avx(src + r * ld, ld, kc, P, dst + r);
#endif
  if (r < w) transpose_rows_scalar(src + r * ld, ld, w - r, kc, P, dst + r);
  if (w < wpad)
    for (int64_t k = 0; k < kc; ++k)
      for (int i = w; i < wpad; ++i) dst[k * P + i] = 0.0f;
}

}  // namespace hg::kernels::cpu::detail
