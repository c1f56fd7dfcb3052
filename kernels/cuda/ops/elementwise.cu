// Elementwise arithmetic on the GPU.
//
// Idea: one thread per quad of 4 consecutive elements in a grid-stride loop; a quad is moved as one
// 16-byte float4 when every pointer is 16-byte aligned (one LDG.128 instead of four LDG.32),
// element by element otherwise and for the ragged tail. Bytes / FLOPs per element: fill 4 B / 0;
// copy, scale, add_scalar 8 B / 1; axpy 12 B / 2. add, sub, mul, exp, log, abs are the pointwise op
// table's (kernels/cuda/ops/pointwise.cu). At ~0.1 FLOP per byte against an H100's ~20 FLOP/byte
// balance point, every one of these is memory-bandwidth bound: the ceiling is a device-to-device
// copy (8 B per element). Measured: not separately; they share the quad map with add
// (kernels/cuda/ops/pointwise.cu).
#include "kernels/cuda/ops/elementwise.h"

#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda {
namespace {

using ops_detail::rn_mul;

struct FillF {
  float v;
  __device__ float operator()() const { return v; }
};
struct ScaleF {
  float s;
  __device__ float operator()(float x) const { return s * x; }
};
struct AddScalarF {
  float s;
  __device__ float operator()(float x) const { return x + s; }
};
struct AxpyF {  // inputs (x, y): y + a * x, the product rounded first as on the CPU
  float a;
  __device__ float operator()(float x, float y) const { return y + rn_mul(a, x); }
};

}  // namespace

void fill(float* y, float value, int64_t n, cudaStream_t stream) {
  ops_detail::launch_map<0>(nullptr, nullptr, nullptr, y, n, FillF{value}, stream);
}

void copy(const float* x, float* y, int64_t n, cudaStream_t stream) {
  if (n <= 0 || x == y) return;
  HG_CUDA_CHECK(cudaMemcpyAsync(y, x, static_cast<size_t>(n) * sizeof(float),
                                cudaMemcpyDeviceToDevice, stream));
}

void scale(const float* x, float s, float* y, int64_t n, cudaStream_t stream) {
  ops_detail::launch_map<1>(x, nullptr, nullptr, y, n, ScaleF{s}, stream);
}
void add_scalar(const float* x, float s, float* y, int64_t n, cudaStream_t stream) {
  ops_detail::launch_map<1>(x, nullptr, nullptr, y, n, AddScalarF{s}, stream);
}
void axpy(float a, const float* x, float* y, int64_t n, cudaStream_t stream) {
  ops_detail::launch_map<2>(x, y, nullptr, y, n, AxpyF{a}, stream);
}

}  // namespace hg::kernels::cuda
