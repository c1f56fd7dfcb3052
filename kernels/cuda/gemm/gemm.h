// CUDA GEMM with a fused epilogue: the teaching series plus cuBLAS, behind one entry point.
// Row-major, fp32, device memory. Same contract as kernels/cpu/gemm.h:
//
//   C[M,N] = act( alpha * op(A) * op(B) + beta * C + bias )
//
// op(A) is [M,K]: A is stored [M,K] (lda >= K) when ta == N, or [K,M] (lda >= M) when ta == T.
// op(B) is [K,N]: B is stored [K,N] (ldb >= N) when tb == N, or [N,K] (ldb >= K) when tb == T.
// C is [M,N] with ldc >= N. When beta == 0, C is write-only (NaNs in C are ignored).
// bias (nullable, device memory) has N entries. act is applied last. M, N or K may be 0.
//
// `kernel` picks the implementation by name (see gemm_kernel_names(); "" means
// default_gemm_kernel()). Every kernel supports every transposition case and any size. The call
// is asynchronous on `stream`; launch errors are reported at once (hg::Error), execution errors at
// the next synchronising call. docs/kernels.md walks through the series.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common/gemm_types.h"

namespace hg::kernels::cuda {

using ::hg::kernels::Act;  // kernels/common/gemm_types.h
using ::hg::kernels::Epilogue;
using ::hg::kernels::Trans;

void gemm(const std::string& kernel, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K,
          float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
          float* C, int64_t ldc, const Epilogue& ep = {}, cudaStream_t stream = nullptr);

// All selectable names, in teaching order, cuBLAS last:
// hg-naive hg-coalesced hg-smem hg-reg1d hg-reg2d hg-vec hg-warptile hg-tf32 cublas cublas-tf32.
std::vector<std::string> gemm_kernel_names();

// The kernel used when none is named: $HG_GEMM when set (an unknown name throws hg::Error listing
// the names), else "hg-warptile".
std::string default_gemm_kernel();

// True for the kernels that round their inputs to TF32 (10-bit mantissa) on the tensor cores.
bool gemm_kernel_uses_tf32(const std::string& kernel);

}  // namespace hg::kernels::cuda
