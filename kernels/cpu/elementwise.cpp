// Elementwise arithmetic over contiguous fp32 arrays.
//
// Idea: the simplest kernels there are: one pass, independent elements, loops the compiler
// vectorises (simd_for: AVX-512, AVX2 or SSE chosen at load time). Per element they move 8-12
// bytes (one or two reads, one write) for 0-2 FLOPs, so every one of them is memory-bandwidth bound
// (~0.1 FLOP/byte; a core does ~50 FLOPs in the time it takes to fetch one cache line from DRAM).
// Threads only pay off once the data leaves L2, hence chunks of >= 32K elements; smaller arrays run
// inline. add, sub, mul, exp, log, abs live in the pointwise op table (kernels/cpu/pointwise.h).
#include "kernels/cpu/elementwise.h"

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/simd_loop.h"

namespace hg::kernels::cpu {
namespace {
template <class F>
void par(int64_t n, F f) {
  detail::parallel_simd_for(n, f);
}
}  // namespace

void fill(float* y, float value, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = value; });
}
void copy(const float* x, float* y, int64_t n) {
  if (x == y) return;
  par(n, [=](int64_t i) HG_INLINE { y[i] = x[i]; });
}
void scale(const float* x, float s, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = s * x[i]; });
}
void add_scalar(const float* x, float s, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = x[i] + s; });
}
void axpy(float a, const float* x, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] += a * x[i]; });
}

}  // namespace hg::kernels::cpu
