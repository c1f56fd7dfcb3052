// GEMM 03 — shared-memory tiling: a 32x32 block stages 32x32 tiles of op(A) and op(B) in shared
// memory, then every thread reads its row/column of the tiles from there.
//
// Idea: each element of A and B brought in from global memory is used by 32 threads instead of 1.
//   The tile loader (tile.cuh) applies the transposition while loading, with consecutive threads
//   on the memory-contiguous dimension, so all four N/T cases load coalesced; the tiles are padded
//   to 33 columns so the transposed-case shared stores do not hit one bank 32 times.
// Per output element: 2K FLOPs; global bytes 8K/32 = K/4 -> 8 FLOP/byte from global memory.
//   From shared memory it is still 2 loads (8 bytes) per FMA (2 FLOPs): 0.25 FLOP/byte of smem.
// Limit: shared-memory bandwidth and load instruction issue (two LDS per FMA), plus a
//   __syncthreads pair every 32 FMAs; 1024-thread blocks limit occupancy to 2 blocks per SM.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 6.4 TFLOP/s at 4096^3, 12.6% of cuBLAS
// fp32,
//   but the best of the series on the 256-row autoencoder layers (53-69% of cuBLAS on the 784
//   layers, 87% on 256x128x256): its 32x32 tiles give enough blocks to fill 132 SMs there.
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kTile = 32;

template <bool TA, bool TB>
__global__ void __launch_bounds__(kTile* kTile) smem_kernel(GemmParams p) {
  __shared__ float As[kTile][kTile + 1];  // As[r][c] = op(A)(row0 + r, k0 + c)
  __shared__ float Bs[kTile][kTile + 1];  // Bs[r][c] = op(B)(k0 + r, col0 + c)
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int tid = ty * kTile + tx;
  const int64_t row0 = int64_t(blockIdx.y) * kTile, col0 = int64_t(blockIdx.x) * kTile;
  float acc = 0.0f;
  for (int64_t k0 = 0; k0 < p.K; k0 += kTile) {
    load_tile<TA, false, kTile, kTile, kTile * kTile>(p.A, p.lda, p.M, p.K, row0, k0, &As[0][0],
                                                      kTile + 1, tid);
    load_tile<TB, false, kTile, kTile, kTile * kTile>(p.B, p.ldb, p.K, p.N, k0, col0, &Bs[0][0],
                                                      kTile + 1, tid);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTile; ++kk) acc += As[ty][kk] * Bs[kk][tx];
    __syncthreads();
  }
  store_c(p, row0 + ty, col0 + tx, acc);
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 block(kTile, kTile);
    const dim3 grid = checked_grid(ceil_div(p.N, kTile), ceil_div(p.M, kTile), "hg-smem");
    smem_kernel<TA, TB><<<grid, block, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

}  // namespace

void gemm_smem(const GemmParams& p, cudaStream_t s) { dispatch_trans<Launch>(p, s); }

}  // namespace hg::kernels::cuda::gemm_detail
