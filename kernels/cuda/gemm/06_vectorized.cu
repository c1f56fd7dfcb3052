// GEMM 06 — vectorised: 05's 128x128 / 8x8 scheme with 16-byte loads and stores.
//
// Idea: (1) global loads as float4 along the memory-contiguous dimension of each operand when its
//   leading dimension is a multiple of 4 and its base is 16-byte aligned (a per-operand runtime
//   flag; otherwise, and for 4-vectors that run past the matrix edge, a checked scalar path);
//   (2) the As tile is stored TRANSPOSED ([BK][BM]) so a thread's 8 values of op(A) for one k are
//   contiguous and come in as two LDS.128, like its 8 values of Bs; (3) C is read (beta != 0) and
//   written as float4 where C allows it.
// Per output element: 2K FLOPs; global bytes K/16 -> 32 FLOP/byte (as 05). Shared memory:
//   4 LDS.128 per 64 FMAs, a quarter of 05's load instructions.
// Limit: FMA issue and latency hiding: one tile in flight (no double buffering), a
//   __syncthreads pair per 8-deep K step, and the scalar shared stores of the transposed As.
// Figure vs cuBLAS (H200, 2026-11-30, bench_gemm_cuda): 18.2 TFLOP/s at 4096^3, 35.6% of cuBLAS
// fp32.
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/tile.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

constexpr int kBM = 128, kBN = 128, kBK = 8, kTM = 8, kTN = 8;
constexpr int kThreads = (kBM / kTM) * (kBN / kTN);  // 256

template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) vec_kernel(GemmParams p) {
  __shared__ __align__(16) float As[kBK * kBM];  // TRANSPOSED: As[k][m] = op(A)(row0 + m, k0 + k)
  __shared__ __align__(16) float Bs[kBK * kBN];  // Bs[k][n] = op(B)(k0 + k, col0 + n)
  const int tid = threadIdx.x;
  const int trow = tid / (kBN / kTN), tcol = tid % (kBN / kTN);
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  float acc[kTM][kTN] = {};
  float regM[kTM], regN[kTN];
  for (int64_t k0 = 0; k0 < p.K; k0 += kBK) {
    load_tile_vec<TA, true, kBM, kBK, kThreads>(p.A, p.lda, p.M, p.K, row0, k0, As, kBM, tid,
                                                p.a_vec);
    load_tile_vec<TB, false, kBK, kBN, kThreads>(p.B, p.ldb, p.K, p.N, k0, col0, Bs, kBN, tid,
                                                 p.b_vec);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
#pragma unroll
      for (int m = 0; m < kTM; m += 4) {
        const float4 a = *reinterpret_cast<const float4*>(&As[kk * kBM + trow * kTM + m]);
        regM[m] = a.x;
        regM[m + 1] = a.y;
        regM[m + 2] = a.z;
        regM[m + 3] = a.w;
      }
#pragma unroll
      for (int n = 0; n < kTN; n += 4) {
        const float4 b = *reinterpret_cast<const float4*>(&Bs[kk * kBN + tcol * kTN + n]);
        regN[n] = b.x;
        regN[n + 1] = b.y;
        regN[n + 2] = b.z;
        regN[n + 3] = b.w;
      }
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
    for (int n = 0; n < kTN; n += 4)
      store_c4(p, row0 + trow * kTM + m, col0 + tcol * kTN + n, &acc[m][n]);
}

struct Launch {
  template <bool TA, bool TB>
  static void run(const GemmParams& p, cudaStream_t s) {
    const dim3 grid = checked_grid(ceil_div(p.N, kBN), ceil_div(p.M, kBM), "hg-vec");
    vec_kernel<TA, TB><<<grid, kThreads, 0, s>>>(p);
    HG_CUDA_CHECK_LAUNCH();
  }
};

}  // namespace

void gemm_vec(const GemmParams& p, cudaStream_t s) { dispatch_trans<Launch>(p, s); }

}  // namespace hg::kernels::cuda::gemm_detail
