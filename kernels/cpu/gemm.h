// CPU GEMM with a fused epilogue. Row-major, fp32, host memory.
//
//   C[M,N] = act( alpha * op(A) * op(B) + beta * C + bias )
//
// op(A) is [M,K]: A is stored [M,K] (lda >= K) when ta == N, or [K,M] (lda >= M) when ta == T.
// op(B) is [K,N]: B is stored [K,N] (ldb >= N) when tb == N, or [N,K] (ldb >= K) when tb == T.
// C is [M,N] with ldc >= N. When beta == 0, C is write-only (NaNs in C are ignored).
// bias (nullable) has N entries and is added to every row. act is applied last.
// M, N or K may be 0 (K == 0 gives act(beta*C + bias)). Uses the pool from parallel.h.
#pragma once
#include <cstdint>

#include "kernels/common/gemm_types.h"
#include "kernels/cpu/activation.h"

namespace hg::kernels::cpu {

using kernels::Epilogue;  // kernels/common/gemm_types.h
using kernels::Trans;

void gemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
          const Epilogue& ep = {});

// Straightforward triple loop with double accumulation: the reference the tests compare against.
void gemm_reference(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc, const Epilogue& ep = {});

}  // namespace hg::kernels::cpu
