// e^x without a libm call, for the CPU loops that must vectorise and for the GPU alike (the one
// sigmoid of kernels/common/activation.h is built on it).
// Range reduction x = n ln2 + r with |r| <= ln2/2 (ln2 split in two parts so n ln2 is exact), then
// a degree-6 polynomial for e^r (the classic single-precision minimax coefficients) and 2^n built
// in the exponent bits. Like std::exp: +inf above 88.72, 0 below -87.33 (no denormals), NaN stays
// NaN. Relative error below 3.5e-7 in between (tests/kernels/test_fast_exp.cpp). On the GPU nvcc
// may fuse the polynomial's multiply-adds, which changes the last bit, not the error bound.
#pragma once
#include <cstdint>
#include <cstring>
#if __cplusplus >= 202002L
#include <bit>
#endif

#include "kernels/common/host_device.h"

namespace hg::kernels {

HG_HOST_DEVICE float float_from_bits(int32_t bits) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(bits);
#elif __cplusplus >= 202002L
  return std::bit_cast<float>(bits);
#else
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
#endif
}

HG_HOST_DEVICE float fast_exp(float x) {
  float xc = x < -87.33f ? -87.33f : x;  // ternaries, not fmin/fmax: a NaN stays a NaN
  xc = xc > 88.72f ? 88.72f : xc;
  // Round to nearest by adding and subtracting 1.5 * 2^23 (no libm floor, so it vectorises).
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  n = n > 127.0f ? 127.0f : n;  // 2^128 is not a float; r then reaches 0.7 near the top
  const float r = (xc - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  float e = p * float_from_bits((static_cast<int32_t>(n) + 127) << 23);
  e = x > 88.72f ? float_from_bits(0x7f800000) : e;  // +inf
  e = x < -87.33f ? 0.0f : e;
  return e;
}

}  // namespace hg::kernels
