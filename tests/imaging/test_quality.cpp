// PSNR and SSIM: hand-computed values, the properties SSIM must have, and agreement with a
// straightforward double-loop SSIM (direct 2-D windowed sums, two-pass moments) written here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "apps/imaging/quality.h"
#include "engine/util/error.h"

namespace hg::imaging {
namespace {

std::vector<float> random_image(int h, int w, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(h) * w);
  for (float& x : v) x = u(gen);
  return v;
}

// A smooth image with structure (so SSIM is not dominated by the constants).
std::vector<float> pattern(int h, int w) {
  std::vector<float> v(static_cast<size_t>(h) * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      v[static_cast<size_t>(y) * w + x] =
          static_cast<float>(0.5 + 0.4 * std::sin(0.3 * x + 0.2 * y));
  return v;
}

std::vector<float> add_noise(const std::vector<float>& a, double sigma, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<float> b(a.size());
  for (size_t i = 0; i < a.size(); ++i)
    b[i] = static_cast<float>(std::clamp(a[i] + sigma * n(gen), 0.0, 1.0));
  return b;
}

// Reference SSIM: the 11 x 11 window built as a 2-D table and normalised as a whole, then at every
// valid position the weighted means, and the variances and covariance as weighted sums of
// products of deviations from those means (no separable filtering, no E[x^2] - mu^2).
double ssim_reference(const std::vector<float>& a, const std::vector<float>& b, int h, int w,
                      double range) {
  const int r = 5, k = 11;
  double win[11][11], total = 0;
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      const double di = i - r, dj = j - r;
      win[i][j] = std::exp(-(di * di + dj * dj) / (2 * 1.5 * 1.5));
      total += win[i][j];
    }
  for (auto& row : win)
    for (double& v : row) v /= total;
  const double c1 = std::pow(0.01 * range, 2), c2 = std::pow(0.03 * range, 2);
  double sum = 0;
  int count = 0;
  for (int y0 = 0; y0 + k <= h; ++y0)
    for (int x0 = 0; x0 + k <= w; ++x0) {
      double ma = 0, mb = 0;
      for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) {
          ma += win[i][j] * a[static_cast<size_t>(y0 + i) * w + x0 + j];
          mb += win[i][j] * b[static_cast<size_t>(y0 + i) * w + x0 + j];
        }
      double va = 0, vb = 0, cov = 0;
      for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) {
          const double da = a[static_cast<size_t>(y0 + i) * w + x0 + j] - ma;
          const double db = b[static_cast<size_t>(y0 + i) * w + x0 + j] - mb;
          va += win[i][j] * da * da;
          vb += win[i][j] * db * db;
          cov += win[i][j] * da * db;
        }
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      ++count;
    }
  EXPECT_EQ(count, (h - 10) * (w - 10));
  return sum / count;
}

// ---- PSNR ---------------------------------------------------------------------------------------

TEST(Psnr, ConstantOffsetOfOneTenthIsTwentyDecibels) {
  std::vector<float> a = random_image(28, 28, 1), b(a.size());
  for (size_t i = 0; i < a.size(); ++i) a[i] *= 0.8f, b[i] = a[i] + 0.1f;
  EXPECT_NEAR(psnr(a.data(), b.data(), static_cast<int64_t>(a.size())), 20.0, 1e-4);
}

TEST(Psnr, HandComputedValues) {
  const float a[4] = {0, 0, 0, 0}, b[4] = {1, 0, 0, 0};
  EXPECT_NEAR(psnr(a, b, 4), 10 * std::log10(4.0), 1e-12);  // MSE 1/4
  const float c[2] = {0.25f, 0.75f}, d[2] = {0.5f, 0.5f};
  EXPECT_NEAR(psnr(c, d, 2), 10 * std::log10(16.0), 1e-12);  // MSE 1/16
  const float e[3] = {10, 20, 30}, f[3] = {11, 19, 30};
  EXPECT_NEAR(psnr(e, f, 3, 255.0), 10 * std::log10(255.0 * 255.0 / (2.0 / 3.0)), 1e-9);
  EXPECT_DOUBLE_EQ(psnr(a, b, 4), psnr(b, a, 4));
}

TEST(Psnr, IdenticalImagesAreInfinite) {
  const std::vector<float> a = random_image(5, 7, 2);
  const double p = psnr(a.data(), a.data(), static_cast<int64_t>(a.size()));
  EXPECT_TRUE(std::isinf(p));
  EXPECT_GT(p, 0);
}

TEST(Psnr, RejectsEmptyInput) {
  const float a[1] = {0};
  EXPECT_THROW(psnr(a, a, 0), Error);
  EXPECT_THROW(psnr(a, a, -3), Error);
}

// ---- SSIM ---------------------------------------------------------------------------------------

TEST(Ssim, IdenticalImagesScoreOne) {
  for (uint32_t s : {1u, 2u, 3u}) {
    const std::vector<float> a = random_image(28, 28, s);
    EXPECT_NEAR(ssim(a.data(), a.data(), 28, 28), 1.0, 1e-12);
  }
  const std::vector<float> p = pattern(11, 11);
  EXPECT_NEAR(ssim(p.data(), p.data(), 11, 11), 1.0, 1e-12);
}

TEST(Ssim, IsSymmetric) {
  const std::vector<float> a = random_image(28, 28, 4), b = random_image(28, 28, 5);
  EXPECT_NEAR(ssim(a.data(), b.data(), 28, 28), ssim(b.data(), a.data(), 28, 28), 1e-14);
  const std::vector<float> p = pattern(20, 31), q = add_noise(p, 0.1, 6);
  EXPECT_NEAR(ssim(p.data(), q.data(), 20, 31), ssim(q.data(), p.data(), 20, 31), 1e-14);
}

TEST(Ssim, DecreasesWithAddedNoise) {
  const std::vector<float> clean = pattern(28, 28);
  double prev = 1.0;
  for (double sigma : {0.02, 0.05, 0.1, 0.2, 0.4}) {
    const std::vector<float> noisy = add_noise(clean, sigma, 7);
    const double s = ssim(clean.data(), noisy.data(), 28, 28);
    EXPECT_LT(s, prev) << "sigma " << sigma;
    EXPECT_GT(s, -1.0);
    prev = s;
  }
  EXPECT_LT(prev, 0.5);
}

TEST(Ssim, ConstantImagesMatchTheLuminanceTerm) {
  // No variance and no covariance: SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
  const std::vector<float> a(28 * 28, 0.5f), b(28 * 28, 0.25f);
  const double c1 = 1e-4;
  EXPECT_NEAR(ssim(a.data(), b.data(), 28, 28), (2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1),
              1e-12);
}

TEST(Ssim, MatchesTheDoubleLoopReferenceOnRandomImages) {
  for (uint32_t s = 10; s < 16; ++s) {
    const std::vector<float> a = random_image(28, 28, s), b = random_image(28, 28, s + 100);
    EXPECT_NEAR(ssim(a.data(), b.data(), 28, 28), ssim_reference(a, b, 28, 28, 1.0), 1e-9)
        << "seed " << s;
    const std::vector<float> c = add_noise(a, 0.15, s + 200);
    EXPECT_NEAR(ssim(a.data(), c.data(), 28, 28), ssim_reference(a, c, 28, 28, 1.0), 1e-9)
        << "seed " << s;
  }
  // Non-square, the smallest size, and another data range.
  const std::vector<float> a = random_image(13, 40, 30), b = add_noise(a, 0.3, 31);
  EXPECT_NEAR(ssim(a.data(), b.data(), 13, 40), ssim_reference(a, b, 13, 40, 1.0), 1e-9);
  const std::vector<float> e = random_image(11, 11, 32), f = random_image(11, 11, 33);
  EXPECT_NEAR(ssim(e.data(), f.data(), 11, 11), ssim_reference(e, f, 11, 11, 1.0), 1e-9);
  EXPECT_NEAR(ssim(e.data(), f.data(), 11, 11, 2.0), ssim_reference(e, f, 11, 11, 2.0), 1e-9);
}

TEST(Ssim, MatchesAnIndependentFilterImplementation) {
  // scipy.ndimage.gaussian_filter(sigma=1.5, truncate=3.5) on the float32 images converted to
  // float64, the five filtered moments cropped by 5 pixels on every side, SSIM map averaged
  // (scikit-image's recipe with gaussian_weights=True, use_sample_covariance=False).
  const std::vector<float> p = pattern(28, 28);
  std::vector<float> q(p.size());
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      q[static_cast<size_t>(y) * 28 + x] =
          static_cast<float>(0.5 + 0.4 * std::sin(0.3 * x + 0.2 * y + 0.5));
  EXPECT_NEAR(ssim(p.data(), q.data(), 28, 28), 0.7634289735577384, 1e-9);
  std::vector<float> r(p.size());
  for (size_t i = 0; i < p.size(); ++i) r[i] = 0.8f * p[i] + 0.1f;
  EXPECT_NEAR(ssim(p.data(), r.data(), 28, 28), 0.9650963889572728, 1e-9);
}

TEST(Ssim, ScalingTheImagesAndTheRangeTogetherChangesNothing) {
  const std::vector<float> a = random_image(28, 28, 40), b = add_noise(a, 0.2, 41);
  std::vector<float> a255(a.size()), b255(b.size());
  for (size_t i = 0; i < a.size(); ++i) a255[i] = 255 * a[i], b255[i] = 255 * b[i];
  EXPECT_NEAR(ssim(a255.data(), b255.data(), 28, 28, 255.0), ssim(a.data(), b.data(), 28, 28),
              1e-6);
}

TEST(Ssim, RejectsImagesSmallerThanTheWindow) {
  const std::vector<float> a = random_image(28, 28, 50);
  EXPECT_THROW(ssim(a.data(), a.data(), 10, 28), Error);
  EXPECT_THROW(ssim(a.data(), a.data(), 28, 10), Error);
  EXPECT_THROW(ssim(a.data(), a.data(), 8, 8), Error);
  EXPECT_THROW(ssim(a.data(), a.data(), 0, 0), Error);
  EXPECT_NO_THROW(ssim(a.data(), a.data(), 11, 11));
}

}  // namespace
}  // namespace hg::imaging
