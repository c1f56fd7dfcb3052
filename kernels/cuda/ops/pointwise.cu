// The pointwise op table on the GPU (kernels/common/pointwise.h has the formulas and the costs).
//
// Idea: every row runs through the shared quad map of common.cuh: one thread per group of 4
// consecutive elements in a grid-stride loop, moved as one float4 when every pointer is 16-byte
// aligned, element by element otherwise and for the tail, bounds-checked. Each op is its own
// instantiation, so nothing branches on the op per element. At 8-12 bytes per element for 0-1
// FLOPs (one libm call for exp/log/sqrt) every one is memory-bandwidth bound: the ceiling is a
// device-to-device copy. The binary rows inherit add's measured figure (H200, 2026-11-30,
// bench_bandwidth_cuda: 4.15 TB/s on 65536x784, 102% of a copy); the others are not measured yet.
#include "kernels/cuda/ops/pointwise.h"

#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda {
namespace {

template <class Op>
struct UnaryF {
  __device__ float operator()(float x) const { return Op::f(x); }
};
// Backward through the 3-input map: (x, y, g).
template <class Op>
struct UnaryB {
  __device__ float operator()(float x, float y, float g) const { return Op::df(x, y, g); }
};
template <class Op>
struct BinaryF {
  __device__ float operator()(float a, float b) const { return Op::f(a, b); }
};

}  // namespace

template <class Op>
void unary(const float* x, float* y, int64_t n, cudaStream_t stream) {
  ops_detail::launch_map<1>(x, nullptr, nullptr, y, n, UnaryF<Op>{}, stream);
}

template <class Op>
void unary_backward(const float* x, const float* y, const float* g, float* dx, int64_t n,
                    cudaStream_t stream) {
  ops_detail::launch_map<3>(x, y, g, dx, n, UnaryB<Op>{}, stream);
}

template <class Op>
void binary(const float* a, const float* b, float* y, int64_t n, cudaStream_t stream) {
  ops_detail::launch_map<2>(a, b, nullptr, y, n, BinaryF<Op>{}, stream);
}

#define HG_CUDA_POINTWISE_UNARY(Row, fn)                                                         \
  template void unary<pointwise::Row>(const float*, float*, int64_t, cudaStream_t);              \
  template void unary_backward<pointwise::Row>(const float*, const float*, const float*, float*, \
                                               int64_t, cudaStream_t);
#define HG_CUDA_POINTWISE_BINARY(Row, fn) \
  template void binary<pointwise::Row>(const float*, const float*, float*, int64_t, cudaStream_t);
HG_UNARY_OPS(HG_CUDA_POINTWISE_UNARY)
HG_BINARY_OPS(HG_CUDA_POINTWISE_BINARY)

}  // namespace hg::kernels::cuda
