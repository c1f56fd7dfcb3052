// CPU GEMM with bf16 inputs and fp32 accumulation (`--gemm hg-bf16`): the contract of
// kernels/cpu/gemm.h (row-major fp32 in and out, host memory, the same fused epilogue), except
// that op(A) and op(B) are rounded to bfloat16 (round to nearest even; 8 significant bits) before
// they are multiplied. Products and sums are exact to fp32, so the result equals an fp32 GEMM of
// the rounded inputs up to summation order: relative error ~2^-9 per product against fp32 inputs,
// the precision PyTorch's bf16 autocast gives. Needs AVX-512 BF16 (Zen 4/5, Sapphire Rapids and
// newer); gemm_bf16 throws hg::Error elsewhere.
#pragma once
#include <cstdint>

#include "kernels/cpu/gemm.h"

namespace hg::kernels::cpu {

bool gemm_bf16_supported();
// The fp32 GEMM's micro-kernel on this CPU, e.g. "avx512-8x32" (for reports).
const char* gemm_microkernel_name();

void gemm_bf16(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
               int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
               const Epilogue& ep = {});

// fp32 -> bf16 bits, round to nearest even; NaN stays a (quiet) NaN, infinities stay infinite.
inline uint16_t to_bf16(float f) {
  const uint32_t u = __builtin_bit_cast(uint32_t, f);
  const uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
  return static_cast<uint16_t>((u & 0x7FFFFFFFu) > 0x7F800000u ? (u >> 16) | 0x40u : rounded);
}
inline float from_bf16(uint16_t b) {
  return __builtin_bit_cast(float, static_cast<uint32_t>(b) << 16);
}

}  // namespace hg::kernels::cpu
