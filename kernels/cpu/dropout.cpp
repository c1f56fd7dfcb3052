// CPU dropout with a counter-based mask.
// Idea: element i of a tensor is kept when a hash of (seed, i) is >= p, so the mask needs no RNG
// state, any thread (or the GPU twin, kernels/cuda, which uses the same counter_hash.h) draws the
// same mask for the same seed, and threads can split the work anywhere. Hash: splitmix64's
// finaliser, u = (mix(seed ^ mix(i)) >> 40) * 2^-24, a 24-bit uniform exactly representable in
// fp32. Per element: two 64-bit mixes (~10 integer ops each), 4 bytes read, 8 written (y and the
// mask); memory-bound on large tensors, integer-ALU-bound on small cached ones.
#include <string>

#include "kernels/common/counter_hash.h"
#include "kernels/common/error.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/pool.h"

namespace hg::kernels::cpu {

void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed) {
  if (!(p >= 0.0f && p < 1.0f))
    throw Error("dropout: p must be in [0, 1), got " + std::to_string(p));
  const float scale = 1.0f / (1.0f - p);
  parallel_elementwise(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float u = counter_uniform(seed, static_cast<uint64_t>(i));
      const float m = u >= p ? scale : 0.0f;
      mask[i] = m;
      y[i] = x[i] * m;
    }
  });
}

}  // namespace hg::kernels::cpu
