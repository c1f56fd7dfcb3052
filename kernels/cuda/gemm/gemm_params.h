// Internal to kernels/cuda/gemm: the argument block every GEMM kernel receives, and the launchers
// (one per file, in teaching order). Host-only header; the .cu files add the device helpers from
// tile.cuh and epilogue.cuh.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/common/launch.h"

namespace hg::kernels::cuda::gemm_detail {

// Validated by gemm() before any launcher runs: M, N, K > 0, leading dimensions large enough.
struct GemmParams {
  int64_t M = 0, N = 0, K = 0;
  float alpha = 1.0f, beta = 0.0f;
  const float* A = nullptr;
  int64_t lda = 0;
  const float* B = nullptr;
  int64_t ldb = 0;
  float* C = nullptr;
  int64_t ldc = 0;
  const float* bias = nullptr;  // [N] or nullptr
  Act act = Act::None;
  float act_alpha = 0.01f;      // leaky_relu slope
  bool ta = false, tb = false;  // true = Trans::T
  // float4 eligibility of each operand: leading dimension a multiple of 4 and base 16-byte aligned.
  // Tile origins are multiples of 4, so every 4-vector that starts on a multiple-of-4 column is
  // then 16-byte aligned; vectors that run past the matrix edge fall back to scalar loads.
  bool a_vec = false, b_vec = false, c_vec = false;
};

using GemmLauncher = void (*)(const GemmParams&, cudaStream_t);

void gemm_naive(const GemmParams& p, cudaStream_t s);        // 01_naive.cu
void gemm_coalesced(const GemmParams& p, cudaStream_t s);    // 02_coalesced.cu
void gemm_smem(const GemmParams& p, cudaStream_t s);         // 03_smem_tiled.cu
void gemm_reg1d(const GemmParams& p, cudaStream_t s);        // 04_reg_1d.cu
void gemm_reg2d(const GemmParams& p, cudaStream_t s);        // 05_reg_2d.cu
void gemm_vec(const GemmParams& p, cudaStream_t s);          // 06_vectorized.cu
void gemm_warptile(const GemmParams& p, cudaStream_t s);     // 07_warptile.cu
void gemm_tf32(const GemmParams& p, cudaStream_t s);         // 08_tf32_wmma.cu
void gemm_cublas(const GemmParams& p, cudaStream_t s);       // 09_cublas.cpp
void gemm_cublas_tf32(const GemmParams& p, cudaStream_t s);  // 09_cublas.cpp

// C[i,j] = act(scale * C[i,j] + bias[j]) over [M,N]; scale == 0 makes C write-only. Used for
// K == 0 (scale = beta) and after cuBLAS (scale = 1), which has no fused epilogue here.
void launch_scale_bias_act(float* C, int64_t ldc, int64_t M, int64_t N, float scale,
                           const float* bias, Act act, float act_alpha, cudaStream_t s);

// A grid of (nx, ny) blocks, checked against the hardware limits (throws hg::Error).
dim3 checked_grid(int64_t nx, int64_t ny, const char* kernel);

using ::hg::kernels::ceil_div;  // kernels/common/launch.h

}  // namespace hg::kernels::cuda::gemm_detail
