// The pointwise op table on the CPU (kernels/common/pointwise.h has the formulas and the costs).
//
// Idea: the simplest kernels there are, one loop per op written once as a template over the
// table's rows: independent elements, so the pool splits the loop in 32K-element chunks (smaller
// arrays stay on the calling thread) and simd_for vectorises each chunk (AVX-512, AVX2 or SSE
// chosen at load time; the formulas are always-inline, so every clone inlines them). At 8-12 bytes
// per element for 0-1 FLOPs they are memory-bandwidth bound, except exp/log/sqrt/div, which are
// bound by libm or the divider on cached data.
#include "kernels/cpu/pointwise.h"

#include "kernels/cpu/simd_loop.h"

namespace hg::kernels::cpu {

template <class Op>
void unary(const float* x, float* y, int64_t n) {
  detail::parallel_simd_for(n, [=](int64_t i) HG_INLINE { y[i] = Op::f(x[i]); });
}

template <class Op>
void unary_backward(const float* x, const float* y, const float* g, float* dx, int64_t n) {
  detail::parallel_simd_for(n, [=](int64_t i) HG_INLINE { dx[i] = Op::df(x[i], y[i], g[i]); });
}

template <class Op>
void binary(const float* a, const float* b, float* y, int64_t n) {
  detail::parallel_simd_for(n, [=](int64_t i) HG_INLINE { y[i] = Op::f(a[i], b[i]); });
}

#define HG_CPU_POINTWISE_UNARY(Row, fn)                                                          \
  template void unary<pointwise::Row>(const float*, float*, int64_t);                            \
  template void unary_backward<pointwise::Row>(const float*, const float*, const float*, float*, \
                                               int64_t);
#define HG_CPU_POINTWISE_BINARY(Row, fn) \
  template void binary<pointwise::Row>(const float*, const float*, float*, int64_t);
HG_UNARY_OPS(HG_CPU_POINTWISE_UNARY)
HG_BINARY_OPS(HG_CPU_POINTWISE_BINARY)

}  // namespace hg::kernels::cpu
