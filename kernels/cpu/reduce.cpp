// Reductions with double accumulation: sum, sum of squares, row sums, column sums.
//
// Idea: read each float once, accumulate in double. sum/sum_squares cut the array into fixed
// 4096-element blocks (8 interleaved double accumulators each, so the adds pipeline and
// vectorise), store one partial per block and add the partials in block order: the result is the
// same for any thread count. Per element: 4 bytes read, 1-2 FLOPs (+ a float->double convert), so
// these are memory-bandwidth bound once the data is out of cache. sum_rows gives each row to one
// thread; sum_cols gives each thread a range of columns and walks all rows (the bias gradient),
// so each column is always summed top to bottom, again independent of the thread count.
#include "kernels/cpu/reduce.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/reduce_blocks.h"

namespace hg::kernels::cpu {

double sum(const float* x, int64_t n) {
  return detail::reduce_sum(n, [x](int64_t i) { return static_cast<double>(x[i]); });
}

double sum_squares(const float* x, int64_t n) {
  return detail::reduce_sum(n, [x](int64_t i) {
    const double v = x[i];
    return v * v;
  });
}

void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  if (rows <= 0) return;
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(cols, 1));
  parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * cols;
      out[r] = static_cast<float>(
          detail::block_sum(0, cols, [xr](int64_t c) { return static_cast<double>(xr[c]); }));
    }
  });
}

void sum_cols(const float* x, float* out, int64_t rows, int64_t cols, float beta) {
  if (cols <= 0) return;
  const int64_t grain = std::max<int64_t>(64, 32768 / std::max<int64_t>(rows, 1));
  parallel_for(0, cols, grain, [&](int64_t lo, int64_t hi) {
    std::vector<double> acc(static_cast<size_t>(hi - lo), 0.0);
    double* a = acc.data();
    const int64_t w = hi - lo;
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * cols + lo;
      for (int64_t c = 0; c < w; ++c) a[c] += xr[c];
    }
    for (int64_t c = 0; c < w; ++c) {
      const double prev = beta == 0.0f ? 0.0 : static_cast<double>(beta) * out[lo + c];
      out[lo + c] = static_cast<float>(prev + a[c]);
    }
  });
}

}  // namespace hg::kernels::cpu
