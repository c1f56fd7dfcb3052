// GEMM 02 — coalesced: same work per thread as 01, but threadIdx.x walks the COLUMNS.
//
// Idea: j = blockIdx.x*32 + threadIdx.x, i = blockIdx.y*8 + threadIdx.y. Now a warp is 32
//   consecutive j of one row i: its B(k, j..j+31) load (NN) is one 128-byte line, its A(i, k) load
//   is a single broadcast, and its C store is one line. Same arithmetic, a fraction of the memory
//   transactions. (For transposed operands the contiguous direction flips; 01-02 do not stage
//   through shared memory, so TN/NT/TT still read one operand strided. 03 onwards fix that.)
// Per output element: 2K FLOPs, 8K bytes requested -> 0.25 FLOP/byte nominal; in practice L1
//   serves the A broadcasts and neighbouring warps share B lines in L2.
// Limit: still memory/L1 bandwidth: each FMA needs two loads from the memory hierarchy.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 5.2 TFLOP/s at 4096^3, 10.2% of cuBLAS
// fp32.
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kBx = 32, kBy = 8;

template <bool TA, bool TB>
__global__ void __launch_bounds__(kBx* kBy) coalesced_kernel(GemmParams p) {
  const int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;  // column: coalesced
  const int64_t i = int64_t(blockIdx.y) * blockDim.y + threadIdx.y;
  if (i >= p.M || j >= p.N) return;
  float acc = 0.0f;
  for (int64_t k = 0; k < p.K; ++k)
    acc += op_at<TA>(p.A, p.lda, i, k) * op_at<TB>(p.B, p.ldb, k, j);
  store_c(p, i, j, acc);
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 block(kBx, kBy);
    const dim3 grid = checked_grid(ceil_div(p.N, kBx), ceil_div(p.M, kBy), "hg-coalesced");
    coalesced_kernel<TA, TB><<<grid, block, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

}  // namespace

void gemm_coalesced(const GemmParams& p, cudaStream_t s) { dispatch_trans<Launch>(p, s); }

}  // namespace hg::kernels::cuda::gemm_detail
