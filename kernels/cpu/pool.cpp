// CPU pooling and nearest upsampling. Each output element reads its kh*kw window once (4 bytes per
// tap, one compare or add): purely memory-bound; planes (n, c) are independent, so the work is
// split over planes. Backward passes write each input plane from one thread (no races): max
// pooling scatters through the saved argmax, average pooling spreads dy/(kh*kw) over the window.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "kernels/common/error.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/pool.h"

namespace hg::kernels::cpu {

namespace {

void check(const PoolShape& s, const char* what) {
  if (!s.valid()) {
    auto i = [](int64_t v) { return std::to_string(v); };
    throw Error(std::string(what) + ": invalid pooling shape (N " + i(s.N) + ", C " + i(s.C) +
                ", H " + i(s.H) + ", W " + i(s.W) + ", window " + i(s.kh) + "x" + i(s.kw) +
                ", stride " + i(s.stride_h) + "x" + i(s.stride_w) + ", pad " + i(s.pad_h) + "x" +
                i(s.pad_w) +
                "): sizes must be positive, padding at most half the window, and the "
                "output non-empty");
  }
}

int64_t plane_grain(int64_t plane_elems) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane_elems));
}

}  // namespace

void maxpool2d_forward(const PoolShape& s, const float* x, float* y, int32_t* argmax) {
  check(s, "maxpool2d_forward");
  const int64_t P = s.out_h(), Q = s.out_w();
  parallel_for(0, s.N * s.C, plane_grain(P * Q * s.kh * s.kw), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const float* in = x + pl * s.H * s.W;
      for (int64_t p = 0; p < P; ++p)
        for (int64_t q = 0; q < Q; ++q) {
          float best = 0.0f;
          int64_t at = -1;
          for (int64_t i = 0; i < s.kh; ++i) {
            const int64_t h = p * s.stride_h - s.pad_h + i;
            if (h < 0 || h >= s.H) continue;
            for (int64_t j = 0; j < s.kw; ++j) {
              const int64_t w = q * s.stride_w - s.pad_w + j;
              if (w < 0 || w >= s.W) continue;
              const float v = in[h * s.W + w];
              // First maximum wins ties; the first NaN wins over any number.
              if (at < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
                best = v;
                at = h * s.W + w;
              }
            }
          }
          const int64_t o = (pl * P + p) * Q + q;
          y[o] = best;
          argmax[o] = static_cast<int32_t>(at);
        }
    }
  });
}

void maxpool2d_backward(const PoolShape& s, const float* dy, const int32_t* argmax, float* dx) {
  check(s, "maxpool2d_backward");
  const int64_t PQ = s.out_h() * s.out_w(), HW = s.H * s.W;
  parallel_for(0, s.N * s.C, plane_grain(HW), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      float* out = dx + pl * HW;
      std::fill(out, out + HW, 0.0f);
      for (int64_t i = 0; i < PQ; ++i) {
        const int32_t a = argmax[pl * PQ + i];
        if (a >= 0 && a < HW) out[a] += dy[pl * PQ + i];
      }
    }
  });
}

void avgpool2d_forward(const PoolShape& s, const float* x, float* y) {
  check(s, "avgpool2d_forward");
  const int64_t P = s.out_h(), Q = s.out_w();
  const float inv = 1.0f / static_cast<float>(s.kh * s.kw);
  parallel_for(0, s.N * s.C, plane_grain(P * Q * s.kh * s.kw), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const float* in = x + pl * s.H * s.W;
      for (int64_t p = 0; p < P; ++p)
        for (int64_t q = 0; q < Q; ++q) {
          float acc = 0.0f;
          for (int64_t i = 0; i < s.kh; ++i) {
            const int64_t h = p * s.stride_h - s.pad_h + i;
            if (h < 0 || h >= s.H) continue;
            for (int64_t j = 0; j < s.kw; ++j) {
              const int64_t w = q * s.stride_w - s.pad_w + j;
              if (w >= 0 && w < s.W) acc += in[h * s.W + w];
            }
          }
          y[(pl * P + p) * Q + q] = acc * inv;
        }
    }
  });
}

void avgpool2d_backward(const PoolShape& s, const float* dy, float* dx) {
  check(s, "avgpool2d_backward");
  const int64_t P = s.out_h(), Q = s.out_w(), HW = s.H * s.W;
  const float inv = 1.0f / static_cast<float>(s.kh * s.kw);
  parallel_for(0, s.N * s.C, plane_grain(HW), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      float* out = dx + pl * HW;
      std::fill(out, out + HW, 0.0f);
      for (int64_t p = 0; p < P; ++p)
        for (int64_t q = 0; q < Q; ++q) {
          const float g = dy[(pl * P + p) * Q + q] * inv;
          for (int64_t i = 0; i < s.kh; ++i) {
            const int64_t h = p * s.stride_h - s.pad_h + i;
            if (h < 0 || h >= s.H) continue;
            for (int64_t j = 0; j < s.kw; ++j) {
              const int64_t w = q * s.stride_w - s.pad_w + j;
              if (w >= 0 && w < s.W) out[h * s.W + w] += g;
            }
          }
        }
    }
  });
}

void upsample_nearest2d_forward(const float* x, float* y, int64_t N, int64_t C, int64_t H,
                                int64_t W, int64_t fh, int64_t fw) {
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || fh <= 0 || fw <= 0)
    throw Error("upsample_nearest2d_forward: invalid shape or factor");
  const int64_t OH = H * fh, OW = W * fw;
  parallel_for(0, N * C, plane_grain(OH * OW), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl)
      for (int64_t i = 0; i < OH; ++i) {
        const float* in = x + (pl * H + i / fh) * W;
        float* out = y + (pl * OH + i) * OW;
        for (int64_t j = 0; j < OW; ++j) out[j] = in[j / fw];
      }
  });
}

void upsample_nearest2d_backward(const float* dy, float* dx, int64_t N, int64_t C, int64_t H,
                                 int64_t W, int64_t fh, int64_t fw) {
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || fh <= 0 || fw <= 0)
    throw Error("upsample_nearest2d_backward: invalid shape or factor");
  const int64_t OH = H * fh, OW = W * fw;
  parallel_for(0, N * C, plane_grain(OH * OW), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl)
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) {
          float acc = 0.0f;
          for (int64_t a = 0; a < fh; ++a)
            for (int64_t b = 0; b < fw; ++b) acc += dy[(pl * OH + i * fh + a) * OW + j * fw + b];
          dx[(pl * H + i) * W + j] = acc;
        }
  });
}

}  // namespace hg::kernels::cpu
