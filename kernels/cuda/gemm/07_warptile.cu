// GEMM 07 — warp tiling: the block tile is split into per-warp tiles, and each warp's tile into
// per-thread 4x4 pieces, so the threads of one warp read adjacent shared memory.
//
// Idea: 128x128 block tile, K-steps of 16, 256 threads = 8 warps laid out 2 (M) x 4 (N); each
//   warp owns a 64x32 tile of C, computed as 2x2 sub-tiles of 32x16; within a sub-tile the 32
//   lanes form an 8x4 grid and each lane computes 4x4. A thread still owns 64 outputs (8x8 in
//   total), but for each k a warp's As reads are 8 distinct float4 = 128 contiguous bytes (no bank
//   conflicts) and its Bs reads 4 distinct float4 (broadcasts). The deeper K step (16) halves the
//   __syncthreads per FMA of 06. Global loads are vectorised exactly as in 06.
// Per output element: 2K FLOPs; global bytes K/16 -> 32 FLOP/byte. Shared: 4 LDS.128 per 64
//   FMAs, conflict-free.
// Limit: no overlap of the global loads with the math (single-buffered shared tiles, no
//   cp.async), so latency is hidden only by the ~2 resident blocks per SM; FP32 FMA peak
//   (~67 TFLOP/s on H100 SXM) is the ceiling for any non-tensor-core kernel.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 18.8 TFLOP/s at 4096^3, 36.8% of cuBLAS
// fp32
//   (51.1); on the 256-row autoencoder layers only 17-31%: too few 128x128 tiles for 132 SMs.
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kBM = 128, kBN = 128, kBK = 16;
constexpr int kWM = 64, kWN = 32;                              // warp tile
constexpr int kWarpsM = kBM / kWM, kWarpsN = kBN / kWN;        // 2 x 4
constexpr int kThreads = 32 * kWarpsM * kWarpsN;               // 256
constexpr int kWMIter = 2, kWNIter = 2;                        // sub-tiles per warp tile
constexpr int kWSubM = kWM / kWMIter, kWSubN = kWN / kWNIter;  // 32 x 16
constexpr int kTM = 4, kTN = 4;                                // per lane per sub-tile
static_assert((kWSubM / kTM) * (kWSubN / kTN) == 32, "a sub-tile is one lane grid");

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) warptile_kernel(GemmParams p) {
  __shared__ __align__(16) float As[kBK * kBM];  // TRANSPOSED: As[k][m]
  __shared__ __align__(16) float Bs[kBK * kBN];  // Bs[k][n]
  const int tid = threadIdx.x;
  const int warp = tid / 32, lane = tid % 32;
  const int warp_row = warp / kWarpsN, warp_col = warp % kWarpsN;
  const int lane_row = lane / (kWSubN / kTN), lane_col = lane % (kWSubN / kTN);  // 8 x 4
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  // Offsets inside the block tile of this thread's first row / column in sub-tile (0, 0).
  const int m_base = warp_row * kWM + lane_row * kTM;
  const int n_base = warp_col * kWN + lane_col * kTN;

  float acc[kWMIter][kWNIter][kTM][kTN] = {};
  float regM[kWMIter][kTM], regN[kWNIter][kTN];
  for (int64_t k0 = 0; k0 < p.K; k0 += kBK) {
    load_tile_vec<TA, true, kBM, kBK, kThreads>(p.A, p.lda, p.M, p.K, row0, k0, As, kBM, tid,
                                                p.a_vec);
    load_tile_vec<TB, false, kBK, kBN, kThreads>(p.B, p.ldb, p.K, p.N, k0, col0, Bs, kBN, tid,
                                                 p.b_vec);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
#pragma unroll
      for (int wm = 0; wm < kWMIter; ++wm) {
        const float4 a = *reinterpret_cast<const float4*>(&As[kk * kBM + m_base + wm * kWSubM]);
        regM[wm][0] = a.x;
        regM[wm][1] = a.y;
        regM[wm][2] = a.z;
        regM[wm][3] = a.w;
      }
#pragma unroll
      for (int wn = 0; wn < kWNIter; ++wn) {
        const float4 b = *reinterpret_cast<const float4*>(&Bs[kk * kBN + n_base + wn * kWSubN]);
        regN[wn][0] = b.x;
        regN[wn][1] = b.y;
        regN[wn][2] = b.z;
        regN[wn][3] = b.w;
      }
#pragma unroll
      for (int wm = 0; wm < kWMIter; ++wm)
#pragma unroll
        for (int wn = 0; wn < kWNIter; ++wn)
#pragma unroll
          for (int m = 0; m < kTM; ++m)
#pragma unroll
            for (int n = 0; n < kTN; ++n) acc[wm][wn][m][n] += regM[wm][m] * regN[wn][n];
    }
    __syncthreads();
  }
#pragma unroll
  for (int wm = 0; wm < kWMIter; ++wm)
#pragma unroll
    for (int wn = 0; wn < kWNIter; ++wn)
#pragma unroll
      for (int m = 0; m < kTM; ++m)
        store_c4(p, row0 + m_base + wm * kWSubM + m, col0 + n_base + wn * kWSubN, acc[wm][wn][m]);
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 grid = checked_grid(ceil_div(p.N, kBN), ceil_div(p.M, kBM), "hg-warptile");
    warptile_kernel<TA, TB><<<grid, kThreads, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

}  // namespace

void gemm_warptile(const GemmParams& p, cudaStream_t s) { dispatch_trans<Launch>(p, s); }

}  // namespace hg::kernels::cuda::gemm_detail
