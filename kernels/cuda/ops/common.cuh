// Internal helpers shared by the kernels of kernels/cuda/ops (not part of the public contract).
//
// - launch geometry: 256-thread blocks, grid-stride loops, grids capped so a launch is always
// valid;
// - "quads": every flat kernel walks its data in groups of 4 consecutive elements. A quad is loaded
//   as one float4 when all pointers are 16-byte aligned and the quad is complete, element by
//   element otherwise. The element order inside a thread is the same either way, so a reduction
//   gives the same bits whether or not it vectorised;
// - deterministic warp / block sums of doubles (fixed shuffle tree, fixed shared-memory order);
// - stream-ordered scratch memory for the second pass of the reductions;
// - rn_mul: a multiply that nvcc may not contract into an FMA. The CPU twins are compiled without
//   contraction (ISO C++ mode), so using rn_mul wherever a product feeds an add keeps the GPU
//   results bit-identical to the CPU ones up to libm differences (matters under cancellation).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/common/host_device.h"
#include "kernels/common/launch.h"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::ops_detail {

constexpr int kThreads = 256;  // threads per block for every ops kernel
constexpr int kWarps = kThreads / 32;
constexpr int64_t kMaxBlocks = 8192;  // grid-stride loops cover the rest

// The ops family's grid: kernels/common/launch.h's blocks_for capped at kMaxBlocks.
inline int blocks_for(int64_t work_items, int threads = kThreads) {
  return ::hg::kernels::blocks_for(work_items, threads, kMaxBlocks);
}
using ::hg::kernels::aligned16;

__device__ __forceinline__ int64_t global_thread() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_threads() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

using ::hg::kernels::mul_rn;  // kernels/common/host_device.h
__device__ __forceinline__ float rn_mul(float a, float b) { return mul_rn(a, b); }

// Sum of v over the 32 lanes of a warp (butterfly: every lane ends with the same, fixed-order sum).
__device__ __forceinline__ double warp_sum(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum of v over the whole block (blockDim.x == kThreads); every thread gets the result. All
// threads of the block must call it (it synchronises). `smem` holds kWarps doubles.
__device__ __forceinline__ double block_sum(double v, double* smem) {
  v = warp_sum(v);
  const int warp = threadIdx.x >> 5;
  if ((threadIdx.x & 31) == 0) smem[warp] = v;
  __syncthreads();
  double t = 0.0;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) t += smem[w];
  __syncthreads();  // smem may be reused by the caller's next iteration
  return t;
}

// Stream-ordered scratch: cudaMallocAsync / cudaFreeAsync on the caller's stream, so nothing
// synchronises and concurrent streams never share a buffer. Falls back to cudaMalloc (and a stream
// synchronise before the free) on devices without memory pools.
class StreamScratch {
 public:
  StreamScratch(size_t bytes, cudaStream_t stream) : stream_(stream) {
    if (bytes == 0) return;
    cudaError_t err = cudaMallocAsync(&p_, bytes, stream);
    if (err == cudaErrorNotSupported) {
      cudaGetLastError();
      pooled_ = false;
      HG_CUDA_CHECK(cudaMalloc(&p_, bytes));
    } else {
      HG_CUDA_CHECK(err);
    }
  }
  ~StreamScratch() {
    if (!p_) return;
    if (pooled_) {
      cudaFreeAsync(p_, stream_);
    } else {
      cudaStreamSynchronize(stream_);
      cudaFree(p_);
    }
  }
  StreamScratch(const StreamScratch&) = delete;
  StreamScratch& operator=(const StreamScratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(p_);
  }

 private:
  void* p_ = nullptr;
  cudaStream_t stream_;
  bool pooled_ = true;
};

// ---- generic elementwise map over quads
// ----------------------------------------------------------- y[i] = f(a[i], b[i], c[i]) using the
// first NIN inputs. y may alias any input (each quad is loaded completely before it is stored, and
// no pointer is __restrict__).
template <int NIN, class F>
__device__ __forceinline__ float map_call(const F& f, float a, float b, float c) {
  if constexpr (NIN == 0) {
    return f();
  } else if constexpr (NIN == 1) {
    return f(a);
  } else if constexpr (NIN == 2) {
    return f(a, b);
  } else {
    return f(a, b, c);
  }
}

template <int NIN, class F>
__global__ void map_kernel(const float* a, const float* b, const float* c, float* y, int64_t n,
                           bool vec, F f) {
  const int64_t nq = (n + 3) / 4;
  for (int64_t q = global_thread(); q < nq; q += grid_threads()) {
    const int64_t i = 4 * q;
    if (vec && i + 4 <= n) {
      float4 va = make_float4(0.f, 0.f, 0.f, 0.f), vb = va, vc = va;
      if constexpr (NIN >= 1) va = *reinterpret_cast<const float4*>(a + i);
      if constexpr (NIN >= 2) vb = *reinterpret_cast<const float4*>(b + i);
      if constexpr (NIN >= 3) vc = *reinterpret_cast<const float4*>(c + i);
      float4 r;
      r.x = map_call<NIN>(f, va.x, vb.x, vc.x);
      r.y = map_call<NIN>(f, va.y, vb.y, vc.y);
      r.z = map_call<NIN>(f, va.z, vb.z, vc.z);
      r.w = map_call<NIN>(f, va.w, vb.w, vc.w);
      *reinterpret_cast<float4*>(y + i) = r;
    } else {
      const int64_t e = i + 4 < n ? i + 4 : n;
      for (int64_t k = i; k < e; ++k) {
        const float av = NIN >= 1 ? a[k] : 0.0f;
        const float bv = NIN >= 2 ? b[k] : 0.0f;
        const float cv = NIN >= 3 ? c[k] : 0.0f;
        y[k] = map_call<NIN>(f, av, bv, cv);
      }
    }
  }
}

template <int NIN, class F>
void launch_map(const float* a, const float* b, const float* c, float* y, int64_t n, F f,
                cudaStream_t stream) {
  if (n <= 0) return;
  const bool vec = aligned16(y) && (NIN < 1 || aligned16(a)) && (NIN < 2 || aligned16(b)) &&
                   (NIN < 3 || aligned16(c));
  map_kernel<NIN, F><<<blocks_for((n + 3) / 4), kThreads, 0, stream>>>(a, b, c, y, n, vec, f);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda::ops_detail
