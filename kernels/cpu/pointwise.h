// The CPU kernels of the pointwise op table (kernels/common/pointwise.h): one template per shape
// of op, instantiated for every row. fp32, n contiguous elements in host memory, threaded in
// chunks of 32K elements and vectorised (simd_for). Outputs may alias inputs.
#pragma once
#include <cstdint>

#include "kernels/common/pointwise.h"

namespace hg::kernels::cpu {

// y = Op::f(x)
template <class Op>
void unary(const float* x, float* y, int64_t n);
// dx = Op::df(x, y, g), y the forward output. dx may alias g.
template <class Op>
void unary_backward(const float* x, const float* y, const float* g, float* dx, int64_t n);
// y = Op::f(a, b)
template <class Op>
void binary(const float* a, const float* b, float* y, int64_t n);

#define HG_CPU_POINTWISE_EXTERN_UNARY(Row, fn)                                                  \
  extern template void unary<pointwise::Row>(const float*, float*, int64_t);                    \
  extern template void unary_backward<pointwise::Row>(const float*, const float*, const float*, \
                                                      float*, int64_t);
#define HG_CPU_POINTWISE_EXTERN_BINARY(Row, fn) \
  extern template void binary<pointwise::Row>(const float*, const float*, float*, int64_t);
HG_UNARY_OPS(HG_CPU_POINTWISE_EXTERN_UNARY)
HG_BINARY_OPS(HG_CPU_POINTWISE_EXTERN_BINARY)
#undef HG_CPU_POINTWISE_EXTERN_UNARY
#undef HG_CPU_POINTWISE_EXTERN_BINARY

}  // namespace hg::kernels::cpu
