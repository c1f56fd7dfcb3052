// GEMM 04 — 1D register blocking: each thread computes a column of TM = 8 outputs.
//
// Idea: a 64x64 block tile with K-steps of 8; 512 threads, thread t owns C rows
//   row0 + (t/64)*8 .. +7 of column col0 + t%64. For each k it loads ONE value of Bs into a
//   register and reuses it for 8 FMAs against 8 values of As (which are the same for the whole
//   warp, so they are shared-memory broadcasts). Fewer shared loads per FMA, more work per thread.
// Per output element: 2K FLOPs; global bytes 4K*(1/64 + 1/64) = K/8 -> 16 FLOP/byte.
//   Shared memory: per k and thread 1 Bs load + 8 As loads for 8 FMAs (~1.1 LDS/FMA, the As ones
//   broadcast).
// Limit: shared-memory load issue still ~1 LDS per FMA; tiles of 64 leave A/B global traffic at
//   16 FLOP/B, near the H100 ridge point (~20 FLOP/B), so large shapes are partly memory-bound.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 14.6 TFLOP/s at 4096^3, 28.6% of cuBLAS
// fp32.
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 8, kTM = 8;
constexpr int kThreads = kBM * kBN / kTM;  // 512
static_assert(kThreads == kBK * kBN, "one Bs element per thread per tile");

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) reg1d_kernel(GemmParams p) {
  __shared__ float As[kBM * kBK];  // [BM][BK]
  __shared__ float Bs[kBK * kBN];  // [BK][BN]
  const int tid = threadIdx.x;
  const int tcol = tid % kBN, trow = tid / kBN;  // trow in [0, BM/TM)
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  float acc[kTM] = {};
  for (int64_t k0 = 0; k0 < p.K; k0 += kBK) {
    load_tile<TA, false, kBM, kBK, kThreads>(p.A, p.lda, p.M, p.K, row0, k0, As, kBK, tid);
    load_tile<TB, false, kBK, kBN, kThreads>(p.B, p.ldb, p.K, p.N, k0, col0, Bs, kBN, tid);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
      const float b = Bs[kk * kBN + tcol];
#pragma unroll
      for (int t = 0; t < kTM; ++t) acc[t] += As[(trow * kTM + t) * kBK + kk] * b;
    }
    __syncthreads();
  }
#pragma unroll
  for (int t = 0; t < kTM; ++t) store_c(p, row0 + trow * kTM + t, col0 + tcol, acc[t]);
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 grid = checked_grid(ceil_div(p.N, kBN), ceil_div(p.M, kBM), "hg-reg1d");
    reg1d_kernel<TA, TB><<<grid, kThreads, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

}  // namespace

void gemm_reg1d(const GemmParams& p, cudaStream_t s) { dispatch_trans<Launch>(p, s); }

}  // namespace hg::kernels::cuda::gemm_detail
