// Deterministic blocked reduction (internal header shared by reduce.cpp and loss.cpp).
// [0, n) is cut into fixed 4096-element blocks; each block is summed in double with 8 lanes in a
// fixed order, block partials are stored and then added in block order. Neither the block
// boundaries nor the summation order depend on the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu::detail {

constexpr int64_t kReduceBlock = 4096;

// term(i) -> double. Sum of term over [lo, hi) with 8 interleaved accumulators.
template <class Term>
inline double block_sum(int64_t lo, int64_t hi, const Term& term) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = lo;
  for (; i + 8 <= hi; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += term(i + j);
  for (int j = 0; i < hi; ++i, ++j) acc[j] += term(i);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

template <class Term>
inline double reduce_sum(int64_t n, const Term& term) {
  if (n <= 0) return 0.0;
  const int64_t nb = (n + kReduceBlock - 1) / kReduceBlock;
  if (nb == 1) return block_sum(0, n, term);
  std::vector<double> part(static_cast<size_t>(nb));
  parallel_for(0, nb, 8, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      const int64_t s = b * kReduceBlock;
      const int64_t e = s + kReduceBlock < n ? s + kReduceBlock : n;
      part[static_cast<size_t>(b)] = block_sum(s, e, term);
    }
  });
  double total = 0.0;
  for (double p : part) total += p;
  return total;
}

}  // namespace hg::kernels::cpu::detail
