// Row and column data movement: repeat_rows, tile_rows, scale_rows, slice_cols (and its adjoint),
// plus the two reductions their gradients need, sum_row_groups and row_dot.
//
// Idea: each output row is a copy (or a scaled copy) of one input row, so the work is a loop over
// output rows with a contiguous inner loop the compiler vectorises; threads take ranges of output
// rows (>= 32K elements per chunk, smaller matrices stay on the calling thread). The reductions
// keep one double accumulator per output element and add in a fixed order (rows of a group
// top to bottom; a row's products in block_sum's 8-lane order), so no result depends on the
// thread count, and no two threads ever write the same element.
// Bytes / FLOPs per output element: repeat/tile/slice 4 B read + 4 B written, 0 FLOPs;
// scale_rows 8 B, 1 FLOP; sum_row_groups 4k B read per 4 B written, k adds; row_dot 8 B read per
// input element, 2 FLOPs. All memory-bandwidth bound (~0.1 FLOP/byte at most).
// Measured: not benchmarked yet.
#include "kernels/cpu/rows.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/reduce_blocks.h"

namespace hg::kernels::cpu {
namespace {

// Runs fn(lo, hi) over ranges of `rows` rows of `cols` elements each, >= 32K elements per chunk.
template <class F>
void par_rows(int64_t rows, int64_t cols, F fn) {
  if (rows <= 0) return;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(cols, 1));
  parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) { fn(lo, hi); });
}

}  // namespace

void repeat_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t k) {
  if (cols <= 0 || k <= 0) return;
  par_rows(rows * k, cols, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r)
      std::memcpy(y + r * cols, x + (r / k) * cols, sizeof(float) * static_cast<size_t>(cols));
  });
}

void sum_row_groups(const float* g, float* out, int64_t groups, int64_t k, int64_t cols) {
  if (cols <= 0) return;
  par_rows(groups, cols * std::max<int64_t>(k, 1), [&](int64_t lo, int64_t hi) {
    std::vector<double> acc(static_cast<size_t>(cols));
    for (int64_t b = lo; b < hi; ++b) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t j = 0; j < k; ++j) {
        const float* gr = g + (b * k + j) * cols;
        for (int64_t c = 0; c < cols; ++c) acc[static_cast<size_t>(c)] += gr[c];
      }
      float* o = out + b * cols;
      for (int64_t c = 0; c < cols; ++c) o[c] = static_cast<float>(acc[static_cast<size_t>(c)]);
    }
  });
}

void tile_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t times) {
  const int64_t block = rows * cols;
  if (block <= 0 || times <= 0) return;
  par_rows(times, block, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t)
      std::memcpy(y + t * block, x, sizeof(float) * static_cast<size_t>(block));
  });
}

void scale_rows(const float* x, const float* s, float* y, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  par_rows(rows, cols, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float f = s[r];
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      for (int64_t c = 0; c < cols; ++c) yr[c] = xr[c] * f;
    }
  });
}

void row_dot(const float* a, const float* b, float* out, int64_t rows, int64_t cols) {
  par_rows(rows, cols, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* ar = a + r * cols;
      const float* br = b + r * cols;
      out[r] = static_cast<float>(detail::block_sum(0, cols, [ar, br](int64_t c) {
        return static_cast<double>(ar[c]) * static_cast<double>(br[c]);
      }));
    }
  });
}

void slice_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t start, int64_t len) {
  if (len <= 0) return;
  par_rows(rows, len, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r)
      std::memcpy(y + r * len, x + r * cols + start, sizeof(float) * static_cast<size_t>(len));
  });
}

void slice_cols_backward(const float* g, float* dx, int64_t rows, int64_t cols, int64_t start,
                         int64_t len) {
  if (cols <= 0) return;
  par_rows(rows, cols, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      float* d = dx + r * cols;
      for (int64_t c = 0; c < start; ++c) d[c] = 0.0f;
      for (int64_t j = 0; j < len; ++j) d[start + j] = g[r * len + j];
      for (int64_t c = start + len; c < cols; ++c) d[c] = 0.0f;
    }
  });
}

}  // namespace hg::kernels::cpu
