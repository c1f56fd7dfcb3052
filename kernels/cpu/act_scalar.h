// Scalar activation formulas shared by activation.cpp and the GEMM epilogue (internal header).
#pragma once
#include <algorithm>
#include <cmath>

#include "kernels/cpu/activation.h"
#include "kernels/cpu/simd_loop.h"

namespace hg::kernels::cpu::detail {

// Branch-free so loops over it vectorise (simd_loop.h). For x < -88.7, e^-x is +inf and the
// result 0 (the exact value underflows anyway); never NaN for a finite x. Relative error < 4e-7.
inline float sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

// log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}).
inline float softplus(float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

inline float act_apply(Act act, float x, float alpha) {
  switch (act) {
    case Act::None: return x;
    case Act::ReLU: return x > 0.0f ? x : 0.0f;
    case Act::LeakyReLU: return x > 0.0f ? x : alpha * x;
    case Act::Sigmoid: return sigmoid(x);
    case Act::Tanh: return std::tanh(x);
    case Act::Softplus: return softplus(x);
  }
  return x;
}

}  // namespace hg::kernels::cpu::detail
