// What every GEMM of Hourglass takes besides its matrices, for the CPU GEMMs (kernels/cpu/gemm.h,
// gemm_bf16.h), the CUDA series (kernels/cuda/gemm/gemm.h) and the reference backends alike.
#pragma once
#include "kernels/common/activation.h"

namespace hg::kernels {

// op(A) = A (N) or A^T (T), as BLAS's transa.
enum class Trans { N, T };

// Fused after the product, in this order: + bias[j] (nullable, N entries, added to every row),
// then act (act_alpha is LeakyReLU's negative slope; GEMM's own alpha scales the product).
struct Epilogue {
  const float* bias = nullptr;
  Act act = Act::None;
  float act_alpha = 0.01f;
};

}  // namespace hg::kernels
