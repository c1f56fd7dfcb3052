// Row and column data movement on the GPU: repeat_rows, tile_rows, scale_rows, slice_cols (and its
// adjoint), and the reductions their gradients need, sum_row_groups and row_dot.
//
// Idea: a 2-D grid over (output rows, columns). Threads of a warp take consecutive columns of one
// row, so every load and store is a coalesced 128-byte line, and the source row is computed once
// per row (r / k for repeat, r % rows for tile) instead of a 64-bit division per element. Blocks
// are 256 x 1 for rows of >= 256 columns and 32 x 8 (a warp per row, 8 rows per block) for narrow
// ones, so a 45-column latent code does not leave 80% of a block idle. Both dimensions are
// grid-strided, so any shape launches.
// sum_row_groups (the adjoint of repeat_rows) gives each thread one output element and walks the k
// rows of its group top to bottom in double: no atomics, the CPU's order. row_dot (the gradient
// of the row scales) gives each row to one warp: lane l takes columns l, l + 32, ... in double,
// then a fixed shuffle tree adds the lanes.
// Bytes / FLOPs per output element: repeat/tile/slice 8 B, 0 FLOPs; scale_rows 8 B, 1 FLOP;
// slice_cols_backward 4-8 B; sum_row_groups 4(k + 1) B, k double adds; row_dot 8 B per input
// element, 2 double FLOPs. All memory-bandwidth bound; the ceiling is a D2D copy.
// Measured: not benchmarked yet; checked against the CPU path on an H200 (2026-12-01: GPU tests,
//   compute-sanitizer memcheck clean).
#include "kernels/cuda/ops/rows.h"

#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda {
namespace {

struct RowGrid {
  dim3 grid, block;
};

RowGrid row_grid(int64_t rows, int64_t cols) {
  const int tx = cols >= 256 ? 256 : 32;
  const int ty = ops_detail::kThreads / tx;
  int64_t gx = (cols + tx - 1) / tx, gy = (rows + ty - 1) / ty;
  gx = gx < 1 ? 1 : (gx > 64 ? 64 : gx);
  gy = gy < 1 ? 1 : (gy > 65535 ? 65535 : gy);
  return {dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy)), dim3(tx, ty)};
}

__device__ __forceinline__ int64_t row0() {
  return static_cast<int64_t>(blockIdx.y) * blockDim.y + threadIdx.y;
}
__device__ __forceinline__ int64_t row_step() {
  return static_cast<int64_t>(gridDim.y) * blockDim.y;
}
__device__ __forceinline__ int64_t col0() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t col_step() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// Output row r of [out_rows, cols] copies input row r / k (repeat) or r % k (tile).
template <bool kTile>
__global__ void copy_rows_kernel(const float* __restrict__ x, float* __restrict__ y,
                                 int64_t out_rows, int64_t cols, int64_t k) {
  for (int64_t r = row0(); r < out_rows; r += row_step()) {
    const float* src = x + (kTile ? r % k : r / k) * cols;
    float* dst = y + r * cols;
    for (int64_t c = col0(); c < cols; c += col_step()) dst[c] = src[c];
  }
}

__global__ void sum_row_groups_kernel(const float* __restrict__ g, float* __restrict__ out,
                                      int64_t groups, int64_t k, int64_t cols) {
  for (int64_t b = row0(); b < groups; b += row_step()) {
    const float* gb = g + b * k * cols;
    for (int64_t c = col0(); c < cols; c += col_step()) {
      double acc = 0.0;
      for (int64_t j = 0; j < k; ++j) acc += gb[j * cols + c];
      out[b * cols + c] = static_cast<float>(acc);
    }
  }
}

__global__ void scale_rows_kernel(const float* __restrict__ x, const float* __restrict__ s,
                                  float* __restrict__ y, int64_t rows, int64_t cols) {
  for (int64_t r = row0(); r < rows; r += row_step()) {
    const float f = s[r];
    for (int64_t c = col0(); c < cols; c += col_step()) y[r * cols + c] = x[r * cols + c] * f;
  }
}

__global__ void slice_cols_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t rows,
                                  int64_t cols, int64_t start, int64_t len) {
  for (int64_t r = row0(); r < rows; r += row_step())
    for (int64_t j = col0(); j < len; j += col_step()) y[r * len + j] = x[r * cols + start + j];
}

__global__ void slice_cols_backward_kernel(const float* __restrict__ g, float* __restrict__ dx,
                                           int64_t rows, int64_t cols, int64_t start, int64_t len) {
  for (int64_t r = row0(); r < rows; r += row_step())
    for (int64_t c = col0(); c < cols; c += col_step()) {
      const int64_t j = c - start;
      dx[r * cols + c] = (j >= 0 && j < len) ? g[r * len + j] : 0.0f;
    }
}

// One warp per row; blockDim = (32, kWarps).
__global__ void row_dot_kernel(const float* __restrict__ a, const float* __restrict__ b,
                               float* __restrict__ out, int64_t rows, int64_t cols) {
  const int lane = static_cast<int>(threadIdx.x);
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; r < rows;
       r += static_cast<int64_t>(gridDim.x) * blockDim.y) {
    const float* ar = a + r * cols;
    const float* br = b + r * cols;
    double acc = 0.0;
    for (int64_t c = lane; c < cols; c += 32)
      acc += static_cast<double>(ar[c]) * static_cast<double>(br[c]);
    acc = ops_detail::warp_sum(acc);  // uniform trip count per warp: every lane reaches the shuffle
    if (lane == 0) out[r] = static_cast<float>(acc);
  }
}

}  // namespace

void repeat_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t k,
                 cudaStream_t stream) {
  if (rows <= 0 || cols <= 0 || k <= 0) return;
  const RowGrid g = row_grid(rows * k, cols);
  copy_rows_kernel<false><<<g.grid, g.block, 0, stream>>>(x, y, rows * k, cols, k);
  HG_CUDA_CHECK_LAUNCH();
}

void sum_row_groups(const float* g, float* out, int64_t groups, int64_t k, int64_t cols,
                    cudaStream_t stream) {
  if (groups <= 0 || cols <= 0) return;
  const RowGrid rg = row_grid(groups, cols);
  sum_row_groups_kernel<<<rg.grid, rg.block, 0, stream>>>(g, out, groups, k, cols);
  HG_CUDA_CHECK_LAUNCH();
}

void tile_rows(const float* x, float* y, int64_t rows, int64_t cols, int64_t times,
               cudaStream_t stream) {
  if (rows <= 0 || cols <= 0 || times <= 0) return;
  const RowGrid g = row_grid(rows * times, cols);
  copy_rows_kernel<true><<<g.grid, g.block, 0, stream>>>(x, y, rows * times, cols, rows);
  HG_CUDA_CHECK_LAUNCH();
}

void scale_rows(const float* x, const float* s, float* y, int64_t rows, int64_t cols,
                cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const RowGrid g = row_grid(rows, cols);
  scale_rows_kernel<<<g.grid, g.block, 0, stream>>>(x, s, y, rows, cols);
  HG_CUDA_CHECK_LAUNCH();
}

void row_dot(const float* a, const float* b, float* out, int64_t rows, int64_t cols,
             cudaStream_t stream) {
  if (rows <= 0) return;
  row_dot_kernel<<<ops_detail::blocks_for(rows, ops_detail::kWarps), dim3(32, ops_detail::kWarps),
                   0, stream>>>(a, b, out, rows, cols);
  HG_CUDA_CHECK_LAUNCH();
}

void slice_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t start, int64_t len,
                cudaStream_t stream) {
  if (rows <= 0 || len <= 0) return;
  const RowGrid g = row_grid(rows, len);
  slice_cols_kernel<<<g.grid, g.block, 0, stream>>>(x, y, rows, cols, start, len);
  HG_CUDA_CHECK_LAUNCH();
}

void slice_cols_backward(const float* g, float* dx, int64_t rows, int64_t cols, int64_t start,
                         int64_t len, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const RowGrid rg = row_grid(rows, cols);
  slice_cols_backward_kernel<<<rg.grid, rg.block, 0, stream>>>(g, dx, rows, cols, start, len);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
