// OpenBLAS as a reference CPU GEMM backend (`--gemm openblas`), for comparing our packed GEMM
// (kernels/cpu/gemm.h) with a tuned library inside the same training or scoring run.
// Same contract as kernels/cpu/gemm.h (row-major fp32, host memory, bias + activation epilogue);
// the epilogue runs as a second pass over C because cblas_sgemm has none. Available only when
// the build found a BLAS (Debian's libopenblas-dev); OpenBLAS then uses as many threads as our
// pool (kernels/cpu/parallel.h), never more.
#pragma once
#include <cstdint>

#include "kernels/cpu/gemm.h"

namespace hg::ops {

bool openblas_available();
// Throws hg::Error when !openblas_available().
void openblas_gemm(kernels::cpu::Trans ta, kernels::cpu::Trans tb, int64_t M, int64_t N, int64_t K,
                   float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                   float beta, float* C, int64_t ldc, const kernels::cpu::Epilogue& ep);

}  // namespace hg::ops
