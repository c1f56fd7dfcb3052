#include "apps/imaging/resample.h"

#include <algorithm>
#include <cmath>

#include "engine/util/error.h"

namespace hg::imaging {

namespace {

void check_args(int64_t n, int64_t c, int64_t h, int64_t w, int64_t f) {
  if (n < 0 || c < 1 || h < 1 || w < 1 || f < 1) throw Error("resample: bad image shape or factor");
}

// Keys' cubic kernel at distance t (|t| < 2).
double cubic(double t, double a) {
  t = std::abs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

// For each output coordinate along one axis: the four source indices (edges replicated) and
// their weights.
struct Taps {
  std::vector<int64_t> idx;  // [out, 4]
  std::vector<double> wt;    // [out, 4]
};

Taps cubic_taps(int64_t in, int64_t f, double a) {
  const int64_t out = in * f;
  Taps t{std::vector<int64_t>(static_cast<size_t>(out * 4)),
         std::vector<double>(static_cast<size_t>(out * 4))};
  for (int64_t o = 0; o < out; ++o) {
    const double src = (static_cast<double>(o) + 0.5) / static_cast<double>(f) - 0.5;
    const auto base = static_cast<int64_t>(std::floor(src));
    for (int64_t k = 0; k < 4; ++k) {
      const int64_t i = base - 1 + k;
      t.idx[static_cast<size_t>(o * 4 + k)] = std::clamp<int64_t>(i, 0, in - 1);
      t.wt[static_cast<size_t>(o * 4 + k)] = cubic(src - static_cast<double>(i), a);
    }
  }
  return t;
}

}  // namespace

std::vector<float> block_average(const float* img, int64_t n, int64_t c, int64_t h, int64_t w,
                                 int64_t f) {
  check_args(n, c, h, w, f);
  if (h % f != 0 || w % f != 0) throw Error("resample: the factor does not divide the image");
  const int64_t lh = h / f, lw = w / f, planes = n * c;
  std::vector<float> out(static_cast<size_t>(planes * lh * lw));
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < lh; ++y)
      for (int64_t x = 0; x < lw; ++x) {
        double s = 0;
        for (int64_t dy = 0; dy < f; ++dy)
          for (int64_t dx = 0; dx < f; ++dx) s += img[(p * h + y * f + dy) * w + x * f + dx];
        out[static_cast<size_t>((p * lh + y) * lw + x)] = static_cast<float>(s / double(f * f));
      }
  return out;
}

std::vector<float> upsample_nearest(const float* low, int64_t n, int64_t c, int64_t h, int64_t w,
                                    int64_t f) {
  check_args(n, c, h, w, f);
  const int64_t H = h * f, W = w * f, planes = n * c;
  std::vector<float> out(static_cast<size_t>(planes * H * W));
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        out[static_cast<size_t>((p * H + y) * W + x)] = low[(p * h + y / f) * w + x / f];
  return out;
}

std::vector<float> upsample_bicubic(const float* low, int64_t n, int64_t c, int64_t h, int64_t w,
                                    int64_t f, double a) {
  check_args(n, c, h, w, f);
  const int64_t H = h * f, W = w * f, planes = n * c;
  const Taps ty = cubic_taps(h, f, a), tx = cubic_taps(w, f, a);
  std::vector<float> out(static_cast<size_t>(planes * H * W));
  std::vector<double> rows(static_cast<size_t>(h * W));  // horizontally resampled plane
  for (int64_t p = 0; p < planes; ++p) {
    const float* src = low + p * h * w;
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < W; ++x) {
        double s = 0;
        for (int64_t k = 0; k < 4; ++k)
          s += tx.wt[static_cast<size_t>(x * 4 + k)] *
               src[y * w + tx.idx[static_cast<size_t>(x * 4 + k)]];
        rows[static_cast<size_t>(y * W + x)] = s;
      }
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        double s = 0;
        for (int64_t k = 0; k < 4; ++k)
          s += ty.wt[static_cast<size_t>(y * 4 + k)] *
               rows[static_cast<size_t>(ty.idx[static_cast<size_t>(y * 4 + k)] * W + x)];
        out[static_cast<size_t>((p * H + y) * W + x)] = static_cast<float>(std::clamp(s, 0.0, 1.0));
      }
  }
  return out;
}

}  // namespace hg::imaging
