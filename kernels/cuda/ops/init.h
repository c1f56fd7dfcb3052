// Parameter initialisation on the GPU with a counter-based generator: element i of a tensor is a
// pure function of (seed, i), so the result is the same for any launch geometry, any stream and
// any device, and nothing is stored between calls. DEVICE pointer p; work enqueued on `stream`.
// (The values are not the ones hg::Rng would produce on the host for the same seed.)
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hg::kernels::cuda {

// p[i] ~ U[lo, hi) (24 random bits per value).
void init_uniform(float* p, int64_t n, float lo, float hi, uint64_t seed, cudaStream_t stream = 0);
// p[i] ~ N(mean, stddev^2) by Box-Muller: elements 2k and 2k+1 share one pair of uniforms.
void init_normal(float* p, int64_t n, float mean, float stddev, uint64_t seed,
                 cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
