// Elementwise arithmetic with a scalar, fills and copies over n contiguous fp32 values in host
// memory (the rest of elementwise arithmetic is the pointwise op table, kernels/cpu/pointwise.h).
// Outputs may alias inputs.
#pragma once
#include <cstdint>

namespace hg::kernels::cpu {

void fill(float* y, float value, int64_t n);
void copy(const float* x, float* y, int64_t n);
void scale(const float* x, float s, float* y, int64_t n);       // y = s * x
void add_scalar(const float* x, float s, float* y, int64_t n);  // y = x + s
void axpy(float a, const float* x, float* y, int64_t n);        // y += a * x

}  // namespace hg::kernels::cpu
