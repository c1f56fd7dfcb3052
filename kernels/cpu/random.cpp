// Counter-based standard normals and input corruption (denoising autoencoders).
//
// Idea: no RNG state. Element i hashes (seed, i) with two splitmix64 mixes and turns the 64 bits
// into a normal (Box-Muller on the two 32-bit halves, in double) or a 24-bit uniform
// (random_draw.h). Any thread can draw any element, so the loop splits anywhere and the CUDA twin
// (kernels/cuda/ops/random.cu) produces the same values for the same seed.
// Per element: randn writes 4 B after ~20 integer ops, one double log, sqrt and cos (~100 cycles
// in libm): compute bound (libm) on every size. corrupt reads 4 B and writes 4 B; the mask kinds
// cost ~20 integer ops (memory bound on large tensors), the Gaussian one costs a normal draw.
// Measured: not benchmarked yet.
#include "kernels/cpu/random.h"

#include "kernels/common/noise_draw.h"
#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu {

void randn(float* y, int64_t n, uint64_t seed) {
  const uint64_t key = noise::key(seed);
  parallel_for(0, n, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      y[i] = noise::normal(noise::bits(key, static_cast<uint64_t>(i)));
  });
}

void corrupt(Noise kind, const float* x, float* y, int64_t n, float param, uint64_t seed,
             bool clip01) {
  check_noise_param(kind, param);
  const uint64_t key = noise::key(seed);
  const int k = static_cast<int>(kind);
  parallel_for(0, n, kind == Noise::Gaussian ? 4096 : kElementwiseGrain,
               [&](int64_t lo, int64_t hi) {
                 for (int64_t i = lo; i < hi; ++i)
                   y[i] = noise::corrupt_one(k, x[i], param, key, static_cast<uint64_t>(i), clip01);
               });
}

}  // namespace hg::kernels::cpu
