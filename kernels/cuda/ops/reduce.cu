// Reductions on the GPU: sum, sum of squares, row sums, column sums.
//
// Idea: read every float exactly once, accumulate in double, combine partial sums in an order fixed
// by the shape alone (no atomics), so results are reproducible to the bit.
// - sum / sum_squares (reduce_impl.cuh flat_reduce): pass 1 = up to 1024 blocks of 256 threads,
//   each thread walks float4 quads in a grid-stride loop, warp shuffles + shared memory reduce the
//   block; pass 2 = one block adds the per-block partials. Small n (<= 16K elements) needs one
//   launch.
// - sum_rows: a warp per row (a block per row when cols >= 2048), float4 loads, shuffle reduction.
// - sum_cols (bias gradient): threads over columns so a warp reads 32 consecutive floats (128 B,
//   coalesced), 8 row-lanes per block walk the rows of a fixed chunk; the 8 lanes are combined
//   through shared memory. Tall matrices are cut into <= 256 row chunks (the chunk size depends on
//   rows only); a second pass adds the per-chunk double partials column by column, in chunk order.
// Bytes / FLOPs per element: 4 B read, 1-2 FLOPs (+ a float->double convert; FP64 adds run at half
// the FP32 rate on H100, far above what 4 B per element can feed). Memory-bandwidth bound: the
// ceiling is reading the array once, i.e. half the bytes of a D2D copy per element.
// Measured (H200, 2026-11-30, bench_bandwidth_cuda): sum_cols 1.25 TB/s on 65536x784, 31% of a
//   device-to-device copy: the column reduction is the one memory-bound kernel far off its ceiling.
#include "kernels/cuda/ops/reduce.h"

#include "kernels/cuda/ops/reduce_impl.cuh"

namespace hg::kernels::cuda {
namespace ops_detail {

__global__ void __launch_bounds__(kThreads)
    flat_reduce_pass2(const double* __restrict__ partial, int np, float* out_f, double* out_d,
                      double div) {
  __shared__ double smem[kWarps];
  double acc = 0.0;
  for (int i = static_cast<int>(threadIdx.x); i < np; i += kThreads) acc += partial[i];
  const double total = block_sum(acc, smem);
  if (threadIdx.x == 0) write_result(total / div, out_f, out_d);
}

void flat_reduce_finish(double* partial, int np, float* out_f, double* out_d, double div,
                        cudaStream_t stream) {
  flat_reduce_pass2<<<1, kThreads, 0, stream>>>(partial, np, out_f, out_d, div);
  HG_CUDA_CHECK_LAUNCH();
}

void write_zero(float* out_f, double* out_d, cudaStream_t stream) {
  if (out_f) HG_CUDA_CHECK(cudaMemsetAsync(out_f, 0, sizeof(float), stream));
  if (out_d) HG_CUDA_CHECK(cudaMemsetAsync(out_d, 0, sizeof(double), stream));
}

}  // namespace ops_detail

namespace {

struct IdentityT {
  __device__ float operator()(float a, float) const { return a; }
};
// The square is taken in double, as on the CPU (v = x; v * v in double).
struct SquareT {
  __device__ double operator()(float a, float) const {
    const double v = a;
    return v * v;
  }
};

constexpr int kColTile = 32;  // columns per block (one warp-width of consecutive floats)
constexpr int kRowLanes = 8;  // row lanes per block: blockDim = (32, 8)

// Rows per chunk for sum_cols: >= 64, and at most 256 chunks. Depends on rows only.
int64_t sum_cols_chunk_rows(int64_t rows) {
  int64_t c = (rows + 255) / 256;
  return c < 64 ? 64 : c;
}

// Block (32, 8): column c = blockIdx.x * 32 + tx, rows [chunk*R, chunk*R + R) of chunk blockIdx.y
// (grid-strided in y), row lane ty takes rows ty, ty + 8, ... The 8 lanes are added in order 0..7.
// direct: write out[c] = beta*out[c] + s; else write partial[chunk * cols + c] = s.
__global__ void __launch_bounds__(kColTile* kRowLanes)
    sum_cols_kernel(const float* __restrict__ x, float* __restrict__ out,
                    double* __restrict__ partial, int64_t rows, int64_t cols, int64_t chunk_rows,
                    int64_t nchunks, float beta, bool direct) {
  __shared__ double lanes[kRowLanes][kColTile + 1];
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  for (int64_t chunk = blockIdx.y; chunk < nchunks; chunk += gridDim.y) {
    const int64_t r0 = chunk * chunk_rows;
    const int64_t r1 = r0 + chunk_rows < rows ? r0 + chunk_rows : rows;
    for (int64_t c0 = static_cast<int64_t>(blockIdx.x) * kColTile; c0 < cols;
         c0 += static_cast<int64_t>(gridDim.x) * kColTile) {
      const int64_t c = c0 + tx;
      double acc = 0.0;
      if (c < cols)
        for (int64_t r = r0 + ty; r < r1; r += kRowLanes)
          acc += static_cast<double>(x[r * cols + c]);
      lanes[ty][tx] = acc;
      __syncthreads();
      if (ty == 0 && c < cols) {
        double s = 0.0;
#pragma unroll
        for (int l = 0; l < kRowLanes; ++l) s += lanes[l][tx];
        if (direct) {
          const double prev = beta == 0.0f ? 0.0 : static_cast<double>(beta) * out[c];
          out[c] = static_cast<float>(prev + s);
        } else {
          partial[chunk * cols + c] = s;
        }
      }
      __syncthreads();
    }
  }
}

// out[c] = beta*out[c] + sum over chunks (in order) of partial[chunk, c].
__global__ void sum_cols_finish(const double* __restrict__ partial, float* __restrict__ out,
                                int64_t cols, int64_t nchunks, float beta) {
  for (int64_t c = ops_detail::global_thread(); c < cols; c += ops_detail::grid_threads()) {
    double s = 0.0;
    for (int64_t k = 0; k < nchunks; ++k) s += partial[k * cols + c];
    const double prev = beta == 0.0f ? 0.0 : static_cast<double>(beta) * out[c];
    out[c] = static_cast<float>(prev + s);
  }
}

}  // namespace

void sum(const float* x, int64_t n, float* out, cudaStream_t stream) {
  ops_detail::flat_reduce<false>(x, nullptr, n, IdentityT{}, 1.0, out, nullptr, stream);
}
void sum(const float* x, int64_t n, double* out, cudaStream_t stream) {
  ops_detail::flat_reduce<false>(x, nullptr, n, IdentityT{}, 1.0, nullptr, out, stream);
}
void sum_squares(const float* x, int64_t n, float* out, cudaStream_t stream) {
  ops_detail::flat_reduce<false>(x, nullptr, n, SquareT{}, 1.0, out, nullptr, stream);
}
void sum_squares(const float* x, int64_t n, double* out, cudaStream_t stream) {
  ops_detail::flat_reduce<false>(x, nullptr, n, SquareT{}, 1.0, nullptr, out, stream);
}

void sum_rows(const float* x, float* out, int64_t rows, int64_t cols, cudaStream_t stream) {
  ops_detail::row_reduce<false, false>(x, nullptr, out, nullptr, rows, cols, /*mean=*/false,
                                       IdentityT{}, stream);
}

void sum_cols(const float* x, float* out, int64_t rows, int64_t cols, float beta,
              cudaStream_t stream) {
  if (cols <= 0) return;
  const int64_t chunk_rows = sum_cols_chunk_rows(rows);
  const int64_t nchunks = rows > 0 ? (rows + chunk_rows - 1) / chunk_rows : 1;
  const int64_t col_tiles = (cols + kColTile - 1) / kColTile;
  const dim3 block(kColTile, kRowLanes);
  const dim3 grid(static_cast<unsigned>(col_tiles < 65535 ? col_tiles : 65535),
                  static_cast<unsigned>(nchunks));  // nchunks <= 256
  if (nchunks == 1) {
    sum_cols_kernel<<<grid, block, 0, stream>>>(x, out, nullptr, rows, cols, chunk_rows, 1, beta,
                                                true);
    HG_CUDA_CHECK_LAUNCH();
    return;
  }
  ops_detail::StreamScratch scratch(static_cast<size_t>(nchunks * cols) * sizeof(double), stream);
  sum_cols_kernel<<<grid, block, 0, stream>>>(x, out, scratch.as<double>(), rows, cols, chunk_rows,
                                              nchunks, beta, false);
  HG_CUDA_CHECK_LAUNCH();
  sum_cols_finish<<<ops_detail::blocks_for(cols), ops_detail::kThreads, 0, stream>>>(
      scratch.as<double>(), out, cols, nchunks, beta);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
