// Counter-based standard normals and input corruption on the GPU (denoising autoencoders).
//
// Idea: no RNG state (no curand generator to create, seed or carry between launches). Element i
// hashes (seed, i) with two splitmix64 mixes and turns the 64 bits into a normal (Box-Muller on
// the two 32-bit halves) or a 24-bit uniform, with the very functions the CPU kernel calls
// (kernels/common/noise_draw.h). A grid-stride loop therefore gives values that depend only on
// (seed, i): the same for any launch geometry, any stream, and the same as the CPU's.
// Box-Muller runs in double (log, sqrt, cos) and rounds once to fp32, so the GPU agrees with
// glibc to the last fp32 bit except at rounding ties; the cost is ~100 FP64 instructions per
// element, cheap on an H100/H200 (FP64 at half the FP32 rate) but ~32x slower per element on
// consumer GPUs, where randn would become compute bound.
// Bytes / FLOPs per element: randn writes 4 B (+ the FP64 transform); corrupt reads 4 B and writes
// 4 B; the mask kinds add ~20 integer ops (memory-bandwidth bound), Gaussian adds a normal draw.
// Measured: not benchmarked yet; checked against the CPU path on an H200 (2026-12-01: GPU tests,
//   compute-sanitizer memcheck clean).
#include "kernels/cuda/ops/random.h"

#include "kernels/common/noise_draw.h"
#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda {
namespace {

__global__ void randn_kernel(float* __restrict__ y, int64_t n, uint64_t key) {
  for (int64_t i = ops_detail::global_thread(); i < n; i += ops_detail::grid_threads())
    y[i] = noise::normal(noise::bits(key, static_cast<uint64_t>(i)));
}

// No __restrict__: y may alias x (each element is read before it is written, by the same thread).
__global__ void corrupt_kernel(int kind, const float* x, float* y, int64_t n, float param,
                               uint64_t key, bool clip01) {
  for (int64_t i = ops_detail::global_thread(); i < n; i += ops_detail::grid_threads())
    y[i] = noise::corrupt_one(kind, x[i], param, key, static_cast<uint64_t>(i), clip01);
}

}  // namespace

void randn(float* y, int64_t n, uint64_t seed, cudaStream_t stream) {
  if (n <= 0) return;
  randn_kernel<<<ops_detail::blocks_for(n), ops_detail::kThreads, 0, stream>>>(y, n,
                                                                               noise::key(seed));
  HG_CUDA_CHECK_LAUNCH();
}

void corrupt(Noise kind, const float* x, float* y, int64_t n, float param, uint64_t seed,
             bool clip01, cudaStream_t stream) {
  check_noise_param(kind, param);
  if (n <= 0) return;
  corrupt_kernel<<<ops_detail::blocks_for(n), ops_detail::kThreads, 0, stream>>>(
      static_cast<int>(kind), x, y, n, param, noise::key(seed), clip01);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
