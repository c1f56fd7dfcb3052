// Counter-based noise on the GPU: the device twins of kernels/cpu/random.h. Element i is a pure
// function of (seed, i) (and x[i]), the same formula the CPU evaluates
// (kernels/common/noise_draw.h), so both devices draw the same noise for the same seed: the masks
// bit for bit, the normals to within an fp32 rounding tie. DEVICE pointers; work enqueued on
// `stream`; nothing synchronises.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/noise.h"

namespace hg::kernels::cuda {

using ::hg::kernels::Noise;

// y[i] ~ N(0, 1) (Box-Muller, one value per element).
void randn(float* y, int64_t n, uint64_t seed, cudaStream_t stream = 0);

// y = corrupted x (y may alias x); kinds and parameters as kernels/cpu/random.h's corrupt
// (hg::Error for a bad parameter, before anything is launched).
void corrupt(Noise kind, const float* x, float* y, int64_t n, float param, uint64_t seed,
             bool clip01, cudaStream_t stream = 0);

}  // namespace hg::kernels::cuda
