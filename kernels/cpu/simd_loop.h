// simd_for: a plain loop that the compiler vectorises for the best ISA the CPU has.
//
// Idea: the loop body stays ordinary C++ (a lambda of the index). GCC emits the loop three times
// (AVX-512, AVX2+FMA, baseline x86-64) and a resolver picks one when the program loads (an ifunc),
// so one binary runs everywhere and uses wide vectors where they exist. For the body to vectorise:
//   - capture by value ([=]): captured scalars then cannot alias the arrays being written;
//   - mark the lambda HG_INLINE so it is inlined into every clone;
//   - keep it branch-free or select-style (x > 0 ? x : 0), and call only inline math
//     (fast_exp below, std::sqrt with -fno-math-errno), never a libm function.
// Internal header of hg_kernels_cpu (host code only).
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/cpu/parallel.h"

#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && !defined(__CUDACC__) && \
    !defined(__clang__)
#define HG_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HG_SIMD_CLONES
#endif
#define HG_INLINE __attribute__((always_inline))

namespace hg::kernels::cpu::detail {

template <class F>
HG_SIMD_CLONES void simd_for(int64_t lo, int64_t hi, F f) {
  for (int64_t i = lo; i < hi; ++i) f(i);
}

// simd_for over [0, n) split across the pool in parallel_elementwise's chunks.
template <class F>
void parallel_simd_for(int64_t n, F f) {
  parallel_elementwise(n, [&](int64_t lo, int64_t hi) { simd_for(lo, hi, f); });
}

// e^x without a libm call, so loops that use it vectorise. Range reduction x = n ln2 + r with
// |r| <= ln2/2 (ln2 split in two parts so n ln2 is exact), then a degree-6 polynomial for e^r
// (the classic single-precision minimax coefficients) and 2^n built in the exponent bits.
// Like std::exp: +inf above 88.72, 0 below -87.33 (no denormals), NaN stays NaN. Relative error
// below 3.5e-7 in between (checked in tests/kernels/test_fast_exp.cpp).
inline float fast_exp(float x) {
  float xc = x < -87.33f ? -87.33f : x;  // ternaries, not fmin/fmax: a NaN stays a NaN
  xc = xc > 88.72f ? 88.72f : xc;
  // Round to nearest by adding and subtracting 1.5 * 2^23 (no libm floor, so it vectorises).
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  n = n > 127.0f ? 127.0f : n;  // 2^128 is not a float; r then reaches 0.7 near the top
  const float r = (xc - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float e = p * std::bit_cast<float>(bits);
  e = x > 88.72f ? std::numeric_limits<float>::infinity() : e;
  e = x < -87.33f ? 0.0f : e;
  return e;
}

}  // namespace hg::kernels::cpu::detail
