// GEMM 08 — TF32 tensor cores through nvcuda::wmma (16x16x8 tf32 fragments, fp32 accumulate).
//
// Idea: a 64x64 block tile, K-steps of 16, 4 warps in a 2x2 layout, each warp owning 32x32 of C
//   as 2x2 accumulator fragments of 16x16. Tiles of op(A) and op(B) are staged in shared memory
//   with the same transposition-aware, vectorised, zero-padded loader as 06/07, so edge tiles need
//   no special case: padding rows/columns are zeros and contribute nothing. Fragments are loaded
//   from shared memory, rounded to TF32 (__float_to_tf32: 10-bit mantissa, fp32 range) and fed to
//   mma_sync. The accumulators go through shared memory once more so the fused epilogue can run
//   per element with bounds checks.
// Per output element: 2K FLOPs; global bytes 4K*(1/64 + 1/64) = K/8 -> 16 FLOP/byte, now well
//   below the tensor-core ridge point (dense TF32 ~495 TFLOP/s on H100 SXM vs ~3.35 TB/s HBM3):
//   this kernel is bound by memory latency and load issue, not by math.
// Limit: no cp.async/TMA pipelining, wmma (not wgmma) so sm_80-style mma.sync at a fraction of
//   Hopper's tensor throughput, small tiles. Accuracy: inputs rounded to TF32, so expect
//   relative errors ~1e-3, not fp32's ~1e-6.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 14.1 TFLOP/s at 4096^3, 4.1% of cuBLAS TF32
//   (346 TFLOP/s): far from the tensor-core ceiling, as the Limit line predicts.
#include <mma.h>

#include "kernels/common/error.h"
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16;
constexpr int kThreads = 128;  // 4 warps, 2 x 2, each 32 x 32
constexpr int kWarpM = 32, kWarpN = 32;
constexpr int kFrag = 16, kFragK = 8;
// Shared leading dimensions: multiples of 4 floats (wmma's rule for 32-bit types) and chosen so
// every fragment pointer below is 32-byte aligned; the +4 skews rows across banks.
constexpr int kLdA = kBK + 4;  // 20
constexpr int kLdB = kBN + 4;  // 68
constexpr int kLdC = kBN + 4;  // 68

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) tf32_kernel(GemmParams p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  __trap();  // tf32 wmma needs sm_80+; the launcher refuses older devices before launching
#else
  using namespace nvcuda;
  __shared__ __align__(128) float As[kBM * kLdA];  // As[m][k]
  __shared__ __align__(128) float Bs[kBK * kLdB];  // Bs[k][n]
  __shared__ __align__(128) float Cs[kBM * kLdC];  // accumulator staging for the epilogue
  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int wr = warp / 2, wc = warp % 2;
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;

  wmma::fragment<wmma::accumulator, kFrag, kFrag, kFragK, float> acc[2][2];
#pragma unroll
  for (int fm = 0; fm < 2; ++fm)
#pragma unroll
    for (int fn = 0; fn < 2; ++fn) wmma::fill_fragment(acc[fm][fn], 0.0f);

  for (int64_t k0 = 0; k0 < p.K; k0 += kBK) {
    load_tile_vec<TA, false, kBM, kBK, kThreads>(p.A, p.lda, p.M, p.K, row0, k0, As, kLdA, tid,
                                                 p.a_vec);
    load_tile_vec<TB, false, kBK, kBN, kThreads>(p.B, p.ldb, p.K, p.N, k0, col0, Bs, kLdB, tid,
                                                 p.b_vec);
    __syncthreads();
#pragma unroll
    for (int ks = 0; ks < kBK; ks += kFragK) {
      wmma::fragment<wmma::matrix_a, kFrag, kFrag, kFragK, wmma::precision::tf32, wmma::row_major>
          a[2];
      wmma::fragment<wmma::matrix_b, kFrag, kFrag, kFragK, wmma::precision::tf32, wmma::row_major>
          b[2];
#pragma unroll
      for (int fm = 0; fm < 2; ++fm) {
        wmma::load_matrix_sync(a[fm], As + (wr * kWarpM + fm * kFrag) * kLdA + ks, kLdA);
#pragma unroll
        for (int t = 0; t < a[fm].num_elements; ++t) a[fm].x[t] = wmma::__float_to_tf32(a[fm].x[t]);
      }
#pragma unroll
      for (int fn = 0; fn < 2; ++fn) {
        wmma::load_matrix_sync(b[fn], Bs + ks * kLdB + wc * kWarpN + fn * kFrag, kLdB);
#pragma unroll
        for (int t = 0; t < b[fn].num_elements; ++t) b[fn].x[t] = wmma::__float_to_tf32(b[fn].x[t]);
      }
#pragma unroll
      for (int fm = 0; fm < 2; ++fm)
#pragma unroll
        for (int fn = 0; fn < 2; ++fn) wmma::mma_sync(acc[fm][fn], a[fm], b[fn], acc[fm][fn]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int fm = 0; fm < 2; ++fm)
#pragma unroll
    for (int fn = 0; fn < 2; ++fn)
      wmma::store_matrix_sync(Cs + (wr * kWarpM + fm * kFrag) * kLdC + wc * kWarpN + fn * kFrag,
                              acc[fm][fn], kLdC, wmma::mem_row_major);
  __syncthreads();
  for (int idx = tid; idx < kBM * kBN; idx += kThreads) {
    const int r = idx / kBN, c = idx % kBN;  // consecutive threads: consecutive columns
    store_c(p, row0 + r, col0 + c, Cs[r * kLdC + c]);
  }
#endif
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 grid = checked_grid(ceil_div(p.N, kBN), ceil_div(p.M, kBM), "hg-tf32");
    tf32_kernel<TA, TB><<<grid, kThreads, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

// TF32 tensor cores exist from compute capability 8.0 (Ampere) on.
void require_sm80() {
  int dev = 0, major = 0;
  HG_CUDA_CHECK(cudaGetDevice(&dev));
  HG_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
  if (major < 8)
    throw ::hg::Error("gemm hg-tf32: needs a GPU of compute capability 8.0 or newer (device " +
                      std::to_string(dev) + " is " + std::to_string(major) + ".x)");
}

}  // namespace

void gemm_tf32(const GemmParams& p, cudaStream_t s) {
  require_sm80();
  dispatch_trans<Launch>(p, s);
}

}  // namespace hg::kernels::cuda::gemm_detail
