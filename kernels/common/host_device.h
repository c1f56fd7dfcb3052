// Marks a function that the CPU kernels, the CUDA kernels and the GEMM epilogues all call, so one
// formula serves both device families (nvcc compiles it for both; g++ sees a plain inline).
#pragma once

#ifdef __CUDACC__
#define HG_HOST_DEVICE __host__ __device__ __forceinline__
#elif defined(__GNUC__)
// Always inlined on the host too: the CPU kernels call these inside loops that must vectorise
// (kernels/cpu/simd_loop.h), in every target clone.
#define HG_HOST_DEVICE inline __attribute__((always_inline))
#else
#define HG_HOST_DEVICE inline
#endif

namespace hg::kernels {

// a * b rounded on its own: nvcc must not contract it with a following add into an FMA (the CPU
// build, in ISO C++ mode, never contracts), or a + b c would differ from the CPU in the last bit.
HG_HOST_DEVICE float mul_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

}  // namespace hg::kernels
