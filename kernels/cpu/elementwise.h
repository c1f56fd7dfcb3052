// Elementwise arithmetic over n contiguous fp32 values in host memory. Outputs may alias inputs.
#pragma once
#include <cstdint>

namespace hg::kernels::cpu {

void fill(float* y, float value, int64_t n);
void copy(const float* x, float* y, int64_t n);
void add(const float* a, const float* b, float* y, int64_t n);        // y = a + b
void sub(const float* a, const float* b, float* y, int64_t n);        // y = a - b
void mul(const float* a, const float* b, float* y, int64_t n);        // y = a * b
void scale(const float* x, float s, float* y, int64_t n);             // y = s * x
void add_scalar(const float* x, float s, float* y, int64_t n);        // y = x + s
void axpy(float a, const float* x, float* y, int64_t n);              // y += a * x
void exp(const float* x, float* y, int64_t n);                        // y = e^x
void log(const float* x, float* y, int64_t n);                        // y = ln x
void abs(const float* x, float* y, int64_t n);                        // y = |x|
// dx = dy * sign(x), sign(0) = 0 (the subgradient of |x| chosen at the kink). dx may alias dy.
void abs_backward(const float* x, const float* dy, float* dx, int64_t n);

}  // namespace hg::kernels::cpu
