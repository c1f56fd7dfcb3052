// PSNR and SSIM of grayscale images, in double precision.
//
// SSIM follows Wang et al. (2004) as scikit-image computes it with gaussian_weights=True and
// use_sample_covariance=False: an 11 x 11 Gaussian window (sigma 1.5, truncated at 3.5 sigma,
// normalised to sum 1) gives weighted local means, variances and the covariance at every window
// position that fits inside the image; the SSIM map is averaged over those positions.
// The window is separable, so the five local moments are filtered along rows, then columns.
#include "apps/imaging/quality.h"

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/util/error.h"

namespace hg::imaging {
namespace {

constexpr int kRadius = 5;  // int(3.5 * 1.5 + 0.5)
constexpr int kWin = 2 * kRadius + 1;

std::array<double, kWin> gaussian_taps() {
  constexpr double sigma = 1.5;
  std::array<double, kWin> g{};
  double sum = 0;
  for (int i = 0; i < kWin; ++i) {
    const double x = i - kRadius;
    g[i] = std::exp(-0.5 * x * x / (sigma * sigma));
    sum += g[i];
  }
  for (double& v : g) v /= sum;
  return g;
}

void check_range(double data_range, const char* what) {
  if (!(data_range > 0) || !std::isfinite(data_range))
    throw Error(std::string(what) + ": data_range must be positive and finite, got " +
                std::to_string(data_range));
}

}  // namespace

double psnr(const float* a, const float* b, int64_t n, double data_range) {
  if (n <= 0) throw Error("psnr: need at least one value, got n = " + std::to_string(n));
  if (!a || !b) throw Error("psnr: null image");
  check_range(data_range, "psnr");
  double se = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(n);
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(data_range * data_range / mse);
}

double ssim(const float* a, const float* b, int h, int w, double data_range) {
  if (h < kWin || w < kWin)
    throw Error("ssim: images must be at least " + std::to_string(kWin) + " x " +
                std::to_string(kWin) + " (the Gaussian window), got " + std::to_string(h) + " x " +
                std::to_string(w));
  if (!a || !b) throw Error("ssim: null image");
  check_range(data_range, "ssim");
  static const std::array<double, kWin> g = gaussian_taps();
  const double c1 = (0.01 * data_range) * (0.01 * data_range);
  const double c2 = (0.03 * data_range) * (0.03 * data_range);

  // Horizontal pass: for every row and every valid column position, the weighted sums of
  // a, b, a^2, b^2 and ab. Layout: [moment][row][col].
  const int ow = w - kWin + 1, oh = h - kWin + 1;
  const size_t plane = static_cast<size_t>(h) * ow;
  std::vector<double> hs(5 * plane, 0.0);
  for (int y = 0; y < h; ++y) {
    const float* ra = a + static_cast<size_t>(y) * w;
    const float* rb = b + static_cast<size_t>(y) * w;
    for (int x = 0; x < ow; ++x) {
      double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (int k = 0; k < kWin; ++k) {
        const double va = ra[x + k], vb = rb[x + k], gk = g[k];
        sa += gk * va;
        sb += gk * vb;
        saa += gk * va * va;
        sbb += gk * vb * vb;
        sab += gk * va * vb;
      }
      const size_t i = static_cast<size_t>(y) * ow + x;
      hs[i] = sa;
      hs[plane + i] = sb;
      hs[2 * plane + i] = saa;
      hs[3 * plane + i] = sbb;
      hs[4 * plane + i] = sab;
    }
  }

  // Vertical pass and the SSIM map, averaged.
  double total = 0;
  for (int y = 0; y < oh; ++y) {
    for (int x = 0; x < ow; ++x) {
      double m[5] = {0, 0, 0, 0, 0};
      for (int k = 0; k < kWin; ++k) {
        const size_t i = static_cast<size_t>(y + k) * ow + x;
        for (int q = 0; q < 5; ++q) m[q] += g[k] * hs[q * plane + i];
      }
      const double ua = m[0], ub = m[1];
      const double va = m[2] - ua * ua, vb = m[3] - ub * ub, cov = m[4] - ua * ub;
      total += ((2 * ua * ub + c1) * (2 * cov + c2)) / ((ua * ua + ub * ub + c1) * (va + vb + c2));
    }
  }
  return total / (static_cast<double>(oh) * ow);
}

double mean_ssim(const float* a, const float* b, int64_t n, int64_t c, int64_t h, int64_t w,
                 double data_range) {
  double sum = 0;
  const int64_t plane = h * w;
  for (int64_t i = 0; i < n * c; ++i)
    sum += ssim(a + i * plane, b + i * plane, static_cast<int>(h), static_cast<int>(w), data_range);
  return n * c > 0 ? sum / static_cast<double>(n * c) : 0.0;
}

}  // namespace hg::imaging
