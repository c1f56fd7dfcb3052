// Hourglass's CPU GEMM on raw host arrays, for the code above the engine that multiplies matrices
// without tensors (PCA, k-means, kNN distances, t-SNE). Row-major fp32, the contract of
// kernels/cpu/gemm.h:
//   C[M,N] = act( alpha * op(A) * op(B) + beta * C + bias ),  beta == 0: C is write-only.
#pragma once
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"

namespace hg::host {

using kernels::Epilogue;
using kernels::Trans;
using kernels::cpu::copy;  // y = x, n floats, threaded
using kernels::cpu::gemm;
using kernels::cpu::gemm_bf16_supported;
using kernels::cpu::gemm_microkernel_name;

}  // namespace hg::host
