// gemm_bf16: convert, then the fp32 driver's blocking and threading over bf16 pairs.
//
// Idea: vdpbf16ps consumes bf16 values in pairs of consecutive k held in one 32-bit word. So
// each operand is first rewritten once as a matrix of such words, X'(i, p) = (X(i, 2p),
// X(i, 2p+1)) (low half the even k; an odd K gets a zero partner), after which the ordinary
// 32-bit packing (pack_panel) and blocking of gemm_packed apply unchanged with K' = ceil(K/2):
//   op(X) stored with k contiguous (X[i*ld + k]): the rounded values go out contiguously, and
//     consecutive pairs are already adjacent words: X' is row-major with ld' = ceil(K/2);
//   op(X) stored k-major (X[k*ld + i]): two source rows k = 2p, 2p+1 zip into one row of words:
//     X' is k-major with ld' = rows.
// Bytes: the conversion reads 4 and writes 2 bytes per element, once per call; the packed
// panels are then half the size of fp32 ones. The micro-kernel does 2 multiply-adds per lane
// per instruction (gemm_microkernel_avx512_bf16.cpp).
#include "kernels/cpu/gemm_bf16.h"

#include <algorithm>
#include <vector>

#include "kernels/common/error.h"
#include "kernels/cpu/gemm_internal.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/simd_loop.h"

namespace hg::kernels::cpu {
namespace {

// Two values rounded to bf16 in one 32-bit word (lo = the even k), kept in a float's bits.
inline float pair(float lo, float hi) {
  return __builtin_bit_cast(
      float, static_cast<uint32_t>(to_bf16(lo)) | (static_cast<uint32_t>(to_bf16(hi)) << 16));
}

// Rows of op(X) as words of bf16 pairs (see the top of the file). rows x K logical; returns ld'.
int64_t to_pairs(const float* X, bool kmajor, int64_t ld, int64_t rows, int64_t K,
                 std::vector<float>& out) {
  const int64_t kp = (K + 1) / 2;
  out.resize(static_cast<size_t>(rows * kp));
  float* o = out.data();  // the words are stored as floats' bits: pack_panel only moves them
  if (!kmajor) {
    parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(K, 1)),
                 [&](int64_t lo, int64_t hi) {
                   for (int64_t i = lo; i < hi; ++i) {
                     const float* x = X + i * ld;
                     float* w = o + i * kp;
                     const int64_t full = K / 2;
                     detail::simd_for(0, full, [=](int64_t p) HG_INLINE {
                       w[p] = pair(x[2 * p], x[2 * p + 1]);
                     });
                     if (K % 2) w[full] = pair(x[K - 1], 0.0f);
                   }
                 });
    return kp;
  }
  parallel_for(
      0, kp, std::max<int64_t>(1, 16384 / std::max<int64_t>(rows, 1)), [&](int64_t lo, int64_t hi) {
        for (int64_t p = lo; p < hi; ++p) {
          const float* x0 = X + 2 * p * ld;
          float* w = o + p * rows;
          if (2 * p + 1 < K) {
            const float* x1 = x0 + ld;
            detail::simd_for(0, rows, [=](int64_t i) HG_INLINE { w[i] = pair(x0[i], x1[i]); });
          } else {
            detail::simd_for(0, rows, [=](int64_t i) HG_INLINE { w[i] = pair(x0[i], 0.0f); });
          }
        }
      });
  return rows;
}

}  // namespace

bool gemm_bf16_supported() { return detail::cpu_has_avx512_bf16(); }
const char* gemm_microkernel_name() { return detail::gemm_kernel_name(); }

void gemm_bf16(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
               int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
               const Epilogue& ep) {
  if (!gemm_bf16_supported())
    throw Error(
        "gemm_bf16: this CPU has no AVX-512 BF16 instructions (use the fp32 GEMM, --gemm hg)");
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {  // nothing to multiply: the fp32 path's epilogue-only case
    gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
    return;
  }
  static thread_local std::vector<float> aw, bw;
  const bool a_kmajor = ta == Trans::T, b_kmajor = tb == Trans::N;
  const int64_t lda2 = to_pairs(A, a_kmajor, lda, M, K, aw);
  const int64_t ldb2 = to_pairs(B, b_kmajor, ldb, N, K, bw);
  detail::gemm_packed(detail::kernel_avx512_bf16(), a_kmajor, b_kmajor, M, N, (K + 1) / 2, alpha,
                      aw.data(), lda2, bw.data(), ldb2, beta, C, ldc, ep);
}

}  // namespace hg::kernels::cpu
