// simd_for: a plain loop that the compiler vectorises for the best ISA the CPU has.
//
// Idea: the loop body stays ordinary C++ (a lambda of the index). GCC emits the loop three times
// (AVX-512, AVX2+FMA, baseline x86-64) and a resolver picks one when the program loads (an ifunc),
// so one binary runs everywhere and uses wide vectors where they exist. For the body to vectorise:
//   - capture by value ([=]): captured scalars then cannot alias the arrays being written;
//   - mark the lambda HG_INLINE so it is inlined into every clone;
//   - keep it branch-free or select-style (x > 0 ? x : 0), and call only inline math
//     (kernels/common/fast_exp.h, std::sqrt with -fno-math-errno), never a libm function.
// Internal header of hg_kernels_cpu (host code only).
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/fast_exp.h"
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

using kernels::fast_exp;  // kernels/common/fast_exp.h

}  // namespace hg::kernels::cpu::detail
