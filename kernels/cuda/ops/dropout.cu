// Dropout with a counter-based mask (device twin of kernels/cpu/pool.h's dropout_forward).
//
// Idea: no RNG state at all. Element i is kept when u_i >= p, with
//   u_i = (splitmix64(seed ^ splitmix64(i)) >> 40) * 2^-24     (24 random bits, exact in fp32)
//   and splitmix64 the finaliser used by kernels/cuda/ops/init.cu and engine/util/rng.h. Any thread
//   can draw any element, so a grid-stride loop gives a mask that depends only on (seed, i): the
//   CPU draws bit-for-bit the same mask, and so does a re-run or a different launch geometry.
//   y = x / (1 - p) where kept, else 0; mask = 1 / (1 - p) where kept, else 0 (backward is
//   dx = dy * mask, an elementwise multiply).
// Bytes per element: 4 read, 8 written; ~10 integer multiply/shift/xor operations.
// Limit: memory bandwidth (the hash is cheap next to 12 bytes of traffic).
// Measured: not benchmarked yet; checked against the CPU path on an H200 (2026-11-30: GPU tests,
//   compute-sanitizer memcheck and racecheck clean).
#include "kernels/common/counter_hash.h"
#include "kernels/cuda/ops/common.cuh"
#include "kernels/cuda/ops/pool.h"

namespace hg::kernels::cuda {
namespace {

__global__ void dropout_kernel(const float* x, float* y, float* mask, int64_t n, float p,
                               uint64_t seed) {
  const float keep_scale = 1.0f / (1.0f - p);
  const float denom = 1.0f - p;
  for (int64_t i = ops_detail::global_thread(); i < n; i += ops_detail::grid_threads()) {
    const uint64_t h = splitmix64(seed ^ splitmix64(static_cast<uint64_t>(i)));
    const float u = static_cast<float>(h >> 40) * 0x1.0p-24f;
    const bool keep = u >= p;
    const float xv = x[i];  // read before writing: y may alias x
    if (mask) mask[i] = keep ? keep_scale : 0.0f;
    y[i] = keep ? xv / denom : 0.0f;
  }
}

}  // namespace

void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed,
                     cudaStream_t stream) {
  if (!(p >= 0.0f && p < 1.0f)) throw Error("dropout: p must be in [0, 1)");
  if (n <= 0) return;
  dropout_kernel<<<ops_detail::blocks_for(n), ops_detail::kThreads, 0, stream>>>(x, y, mask, n, p,
                                                                                 seed);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
