// Elementwise arithmetic over contiguous fp32 arrays.
//
// Idea: the simplest kernels there are: one pass, independent elements, loops the compiler
// vectorises (simd_for: AVX-512, AVX2 or SSE chosen at load time). Per element they move 8-12
// bytes (one or two reads, one write) for 0-2 FLOPs, so every one of them is memory-bandwidth bound (~0.1 FLOP/byte; a core
// does ~50 FLOPs in the time it takes to fetch one cache line from DRAM). Threads only pay off
// once the data leaves L2, hence chunks of >= 32K elements; smaller arrays run inline.
// exp/log call libm per element and are the exception: compute bound on cached data.
// abs (8 B, 1 op) and abs_backward (12 B, a compare and a select) are like the rest.
#include "kernels/cpu/elementwise.h"

#include <algorithm>
#include <cmath>

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
void add(const float* a, const float* b, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = a[i] + b[i]; });
}
void sub(const float* a, const float* b, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = a[i] - b[i]; });
}
void mul(const float* a, const float* b, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = a[i] * b[i]; });
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
void exp(const float* x, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = std::exp(x[i]); });
}
void log(const float* x, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = std::log(x[i]); });
}
void abs(const float* x, float* y, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { y[i] = std::fabs(x[i]); });
}
void abs_backward(const float* x, const float* dy, float* dx, int64_t n) {
  par(n, [=](int64_t i) HG_INLINE { dx[i] = x[i] > 0.0f ? dy[i] : (x[i] < 0.0f ? -dy[i] : 0.0f); });
}

}  // namespace hg::kernels::cpu
