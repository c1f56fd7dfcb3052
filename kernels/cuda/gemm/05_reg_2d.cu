// GEMM 05 — 2D register blocking: each thread computes an 8x8 sub-tile as an outer product.
//
// Idea: a 128x128 block tile, K-steps of 8, 256 threads on a 16x16 grid; thread (trow, tcol) owns
//   rows trow*8..+7 and columns tcol*8..+7. For each k it loads 8 values of As and 8 of Bs into
//   registers and does the 8x8 = 64 FMAs of their outer product: 16 shared loads for 64 FMAs.
// Per output element: 2K FLOPs; global bytes 4K*(1/128 + 1/128) = K/16 -> 32 FLOP/byte, above the
//   H100 ridge point, so the big shapes become compute/issue-bound rather than HBM-bound.
//   Shared memory: 0.25 LDS per FMA (16 per 64).
// Limit: scalar 4-byte shared and global loads (LDS.32/LDG.32), Bs reads at stride 8 conflict in
//   banks, and 64 accumulators + 16 operands per thread hold occupancy at ~2 blocks per SM.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 9.3 TFLOP/s at 4096^3, 18.2% of cuBLAS fp32
// --
//   slower than 04, which it should beat; not yet explained (next: -Xptxas -v for spills, SASS
//   for LDS width and bank conflicts).
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kBM = 128, kBN = 128, kBK = 8, kTM = 8, kTN = 8;
constexpr int kThreads = (kBM / kTM) * (kBN / kTN);  // 256

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) reg2d_kernel(GemmParams p) {
  __shared__ float As[kBM * kBK];  // [BM][BK]
  __shared__ float Bs[kBK * kBN];  // [BK][BN]
  const int tid = threadIdx.x;
  const int trow = tid / (kBN / kTN), tcol = tid % (kBN / kTN);
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  float acc[kTM][kTN] = {};
  float regM[kTM], regN[kTN];
  for (int64_t k0 = 0; k0 < p.K; k0 += kBK) {
    load_tile<TA, false, kBM, kBK, kThreads>(p.A, p.lda, p.M, p.K, row0, k0, As, kBK, tid);
    load_tile<TB, false, kBK, kBN, kThreads>(p.B, p.ldb, p.K, p.N, k0, col0, Bs, kBN, tid);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
#pragma unroll
      for (int m = 0; m < kTM; ++m) regM[m] = As[(trow * kTM + m) * kBK + kk];
#pragma unroll
      for (int n = 0; n < kTN; ++n) regN[n] = Bs[kk * kBN + tcol * kTN + n];
#pragma unroll
      for (int m = 0; m < kTM; ++m)
#pragma unroll
        for (int n = 0; n < kTN; ++n) acc[m][n] += regM[m] * regN[n];
    }
    __syncthreads();
  }
#pragma unroll
  for (int m = 0; m < kTM; ++m)
#pragma unroll
    for (int n = 0; n < kTN; ++n)
      store_c(p, row0 + trow * kTM + m, col0 + tcol * kTN + n, acc[m][n]);
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 grid = checked_grid(ceil_div(p.N, kBN), ceil_div(p.M, kBM), "hg-reg2d");
    reg2d_kernel<TA, TB><<<grid, kThreads, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

}  // namespace

void gemm_reg2d(const GemmParams& p, cudaStream_t s) { dispatch_trans<Launch>(p, s); }

}  // namespace hg::kernels::cuda::gemm_detail
