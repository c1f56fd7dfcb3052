// Reference convolutions: the definition written as loops, accumulated in double. Slow on purpose
// (2*Cg*R*S FLOPs per output element with a bounds test per tap and scattered double accumulators:
// well under 1 GFLOP/s); the tests compare every fast path (CPU and CUDA) against these. Also
// im2col / col2im, the unfolding that turns a convolution into a GEMM (see conv_im2col.cpp): each
// writes or reads the Cg*R*S x P*Q patch matrix once, a pure copy limited by memory bandwidth.
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/conv_internal.h"

namespace hg::kernels::cpu {

namespace {

using conv_detail::check;

// Calls f(n, g, k, c, p, q, r, s_, ih, iw) for every tap that lands inside the image, where k and c
// are absolute channel indices.
template <class F>
void for_each_tap(const ConvShape& s, F f) {
  const int64_t P = s.out_h(), Q = s.out_w(), Cg = s.c_per_group(), Kg = s.k_per_group();
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t k = 0; k < s.K; ++k) {
      const int64_t g = k / Kg;
      for (int64_t cg = 0; cg < Cg; ++cg)
        for (int64_t r = 0; r < s.R; ++r)
          for (int64_t t = 0; t < s.S; ++t)
            for (int64_t p = 0; p < P; ++p) {
              const int64_t ih = p * s.stride_h - s.pad_h + r * s.dil_h;
              if (ih < 0 || ih >= s.H) continue;
              for (int64_t q = 0; q < Q; ++q) {
                const int64_t iw = q * s.stride_w - s.pad_w + t * s.dil_w;
                if (iw < 0 || iw >= s.W) continue;
                f(n, k, g * Cg + cg, cg, p, q, r, t, ih, iw);
              }
            }
    }
}

}  // namespace

void conv2d_forward_reference(const ConvShape& s, const float* x, const float* w, const float* bias,
                              float* y) {
  check(s, "conv2d_forward_reference");
  const int64_t P = s.out_h(), Q = s.out_w(), Cg = s.c_per_group();
  std::vector<double> acc(static_cast<size_t>(s.y_numel()), 0.0);
  for_each_tap(s, [&](int64_t n, int64_t k, int64_t c, int64_t cg, int64_t p, int64_t q, int64_t r,
                      int64_t t, int64_t ih, int64_t iw) {
    acc[((n * s.K + k) * P + p) * Q + q] +=
        double(w[((k * Cg + cg) * s.R + r) * s.S + t]) * x[((n * s.C + c) * s.H + ih) * s.W + iw];
  });
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t k = 0; k < s.K; ++k)
      for (int64_t i = 0; i < P * Q; ++i) {
        const int64_t o = (n * s.K + k) * P * Q + i;
        y[o] = static_cast<float>(acc[o] + (bias ? bias[k] : 0.0));
      }
}

void conv2d_backward_data_reference(const ConvShape& s, const float* dy, const float* w,
                                    float* dx) {
  check(s, "conv2d_backward_data_reference");
  const int64_t P = s.out_h(), Q = s.out_w(), Cg = s.c_per_group();
  std::vector<double> acc(static_cast<size_t>(s.x_numel()), 0.0);
  for_each_tap(s, [&](int64_t n, int64_t k, int64_t c, int64_t cg, int64_t p, int64_t q, int64_t r,
                      int64_t t, int64_t ih, int64_t iw) {
    acc[((n * s.C + c) * s.H + ih) * s.W + iw] +=
        double(w[((k * Cg + cg) * s.R + r) * s.S + t]) * dy[((n * s.K + k) * P + p) * Q + q];
  });
  for (size_t i = 0; i < acc.size(); ++i) dx[i] = static_cast<float>(acc[i]);
}

void conv2d_backward_weight_reference(const ConvShape& s, const float* x, const float* dy,
                                      float* dw, float* dbias) {
  check(s, "conv2d_backward_weight_reference");
  const int64_t P = s.out_h(), Q = s.out_w(), Cg = s.c_per_group();
  std::vector<double> acc(static_cast<size_t>(s.w_numel()), 0.0);
  for_each_tap(s, [&](int64_t n, int64_t k, int64_t c, int64_t cg, int64_t p, int64_t q, int64_t r,
                      int64_t t, int64_t ih, int64_t iw) {
    acc[((k * Cg + cg) * s.R + r) * s.S + t] +=
        double(dy[((n * s.K + k) * P + p) * Q + q]) * x[((n * s.C + c) * s.H + ih) * s.W + iw];
  });
  for (size_t i = 0; i < acc.size(); ++i) dw[i] = static_cast<float>(acc[i]);
  if (dbias) {
    for (int64_t k = 0; k < s.K; ++k) {
      double b = 0;
      for (int64_t n = 0; n < s.N; ++n)
        for (int64_t i = 0; i < P * Q; ++i) b += dy[(n * s.K + k) * P * Q + i];
      dbias[k] = static_cast<float>(b);
    }
  }
}

void im2col(const ConvShape& s, const float* x, float* cols) {
  const int64_t P = s.out_h(), Q = s.out_w(), Cg = s.c_per_group();
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t r = 0; r < s.R; ++r)
      for (int64_t t = 0; t < s.S; ++t) {
        float* row = cols + ((c * s.R + r) * s.S + t) * P * Q;
        const float* plane = x + c * s.H * s.W;
        for (int64_t p = 0; p < P; ++p) {
          const int64_t ih = p * s.stride_h - s.pad_h + r * s.dil_h;
          float* out = row + p * Q;
          if (ih < 0 || ih >= s.H) {
            for (int64_t q = 0; q < Q; ++q) out[q] = 0.0f;
            continue;
          }
          const float* in = plane + ih * s.W;
          for (int64_t q = 0; q < Q; ++q) {
            const int64_t iw = q * s.stride_w - s.pad_w + t * s.dil_w;
            out[q] = (iw >= 0 && iw < s.W) ? in[iw] : 0.0f;
          }
        }
      }
}

void col2im(const ConvShape& s, const float* cols, float* x) {
  const int64_t P = s.out_h(), Q = s.out_w(), Cg = s.c_per_group();
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t r = 0; r < s.R; ++r)
      for (int64_t t = 0; t < s.S; ++t) {
        const float* row = cols + ((c * s.R + r) * s.S + t) * P * Q;
        float* plane = x + c * s.H * s.W;
        for (int64_t p = 0; p < P; ++p) {
          const int64_t ih = p * s.stride_h - s.pad_h + r * s.dil_h;
          if (ih < 0 || ih >= s.H) continue;
          float* out = plane + ih * s.W;
          const float* in = row + p * Q;
          for (int64_t q = 0; q < Q; ++q) {
            const int64_t iw = q * s.stride_w - s.pad_w + t * s.dil_w;
            if (iw >= 0 && iw < s.W) out[iw] += in[q];
          }
        }
      }
}

}  // namespace hg::kernels::cpu
