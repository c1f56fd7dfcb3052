// GEMM 01 — naive: one thread per output element, straight from global memory.
//
// Idea: thread (x, y) computes C[i, j] with i = blockIdx.x*16 + threadIdx.x (the ROW) and
//   j = blockIdx.y*16 + threadIdx.y, looping k over A(i,k)*B(k,j). This is the textbook mapping,
//   and it is the wrong one for a row-major C: the 32 lanes of a warp get 32 consecutive ROWS, so
//   every warp-wide load of A (NN case) and every store of C touches 32 different cache lines.
// Per output element: 2K FLOPs; bytes requested from the memory system 8K (K floats of A and K of
//   B, nothing reused on chip by design) -> arithmetic intensity 2K / 8K = 0.25 FLOP/byte.
//   Whatever reuse there is comes from L1/L2 by luck.
// Limit: memory transactions. At 0.25 FLOP/B even perfect HBM3 (~3.35 TB/s on H100 SXM) caps it
//   under 1 TFLOP/s, and the uncoalesced pattern wastes most of each 32-byte sector on top.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 0.97 TFLOP/s at 4096^3, 1.9% of cuBLAS
//   fp32 (51.1 TFLOP/s); on the small 256x256x784 autoencoder layer 30% (launch-bound there).
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kBlock = 16;

template <bool TA, bool TB>
__global__ void __launch_bounds__(kBlock* kBlock) naive_kernel(GemmParams p) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;  // row: the naive choice
  const int64_t j = int64_t(blockIdx.y) * blockDim.y + threadIdx.y;
  if (i >= p.M || j >= p.N) return;
  float acc = 0.0f;
  for (int64_t k = 0; k < p.K; ++k)
    acc += op_at<TA>(p.A, p.lda, i, k) * op_at<TB>(p.B, p.ldb, k, j);
  store_c(p, i, j, acc);
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 block(kBlock, kBlock);
    const dim3 grid = checked_grid(ceil_div(p.M, kBlock), ceil_div(p.N, kBlock), "hg-naive");
    naive_kernel<TA, TB><<<grid, block, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

}  // namespace

void gemm_naive(const GemmParams& p, cudaStream_t s) { dispatch_trans<Launch>(p, s); }

}  // namespace hg::kernels::cuda::gemm_detail
