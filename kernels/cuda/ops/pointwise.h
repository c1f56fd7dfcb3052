// The CUDA kernels of the pointwise op table (kernels/common/pointwise.h): the device twins of
// kernels/cpu/pointwise.h, with the same templates and the same formulas. DEVICE pointers, n
// contiguous fp32 elements, work enqueued on `stream`; outputs may alias inputs.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/pointwise.h"

namespace hg::kernels::cuda {

template <class Op>
void unary(const float* x, float* y, int64_t n, cudaStream_t stream);
template <class Op>
void unary_backward(const float* x, const float* y, const float* g, float* dx, int64_t n,
                    cudaStream_t stream);
template <class Op>
void binary(const float* a, const float* b, float* y, int64_t n, cudaStream_t stream);

#define HG_CUDA_POINTWISE_EXTERN_UNARY(Row, fn)                                                 \
  extern template void unary<pointwise::Row>(const float*, float*, int64_t, cudaStream_t);      \
  extern template void unary_backward<pointwise::Row>(const float*, const float*, const float*, \
                                                      float*, int64_t, cudaStream_t);
#define HG_CUDA_POINTWISE_EXTERN_BINARY(Row, fn)                                           \
  extern template void binary<pointwise::Row>(const float*, const float*, float*, int64_t, \
                                              cudaStream_t);
HG_UNARY_OPS(HG_CUDA_POINTWISE_EXTERN_UNARY)
HG_BINARY_OPS(HG_CUDA_POINTWISE_EXTERN_BINARY)
#undef HG_CUDA_POINTWISE_EXTERN_UNARY
#undef HG_CUDA_POINTWISE_EXTERN_BINARY

}  // namespace hg::kernels::cuda
