// The wavelet codec baseline (apps/compress/wavelet.h): near-lossless at a fine step, fewer bytes
// and lower PSNR as the step grows, every file at a budget within it, damaged files refused.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "apps/compress/wavelet.h"
#include "apps/imaging/quality.h"
#include "engine/util/error.h"
#include "ring_image.h"

namespace hg::test {
namespace {

TEST(Wavelet, FineStepIsNearLosslessAndCoarserStepsTradeBytesForPsnr) {
  const std::vector<float> img = ring_image(13.5, 14.0);
  double last_bytes = 1e9, last_psnr = 1e9, first_bytes = 0;
  for (float step : {0.5f, 4.0f, 16.0f, 64.0f}) {
    const std::string f = compress::wavelet_encode(img.data(), 28, 28, step);
    const std::vector<float> dec = compress::wavelet_decode(f, 28, 28);
    const double p = imaging::psnr(img.data(), dec.data(), 28 * 28, 1.0);
    if (step == 0.5f) {  // 8-bit rounding and a half-level step
      EXPECT_GT(p, 45.0);
      first_bytes = static_cast<double>(f.size());
    }
    EXPECT_LE(static_cast<double>(f.size()), last_bytes) << step;
    EXPECT_LE(p, last_psnr + 1e-9) << step;
    last_bytes = static_cast<double>(f.size()), last_psnr = p;
  }
  EXPECT_LT(last_bytes, first_bytes / 3);  // most detail coefficients fall in the zero bin
}

TEST(Wavelet, AtABudgetEveryFileFitsAndTheMeanPsnrIsReported) {
  std::vector<float> imgs;
  for (int i = 0; i < 4; ++i) {
    const auto im = ring_image(11.0 + i, 12.0 + 0.5 * i);
    imgs.insert(imgs.end(), im.begin(), im.end());
  }
  const auto r = compress::wavelet_at_budget(imgs.data(), 4, 28, 28, 100.0);
  ASSERT_TRUE(r.psnr.has_value()) << r.note;
  EXPECT_LE(r.mean_bytes, 100.0);
  EXPECT_GT(*r.psnr, 15.0);
  const auto tiny = compress::wavelet_at_budget(imgs.data(), 4, 28, 28, 3.0);
  EXPECT_FALSE(tiny.psnr.has_value());
  EXPECT_NE(tiny.note.find("budget"), std::string::npos);
}

TEST(Wavelet, DamagedFilesAreRefused) {
  const std::vector<float> img = ring_image(14.0, 14.0);
  std::string f = compress::wavelet_encode(img.data(), 28, 28, 8.0f);
  EXPECT_THROW(compress::wavelet_decode(f.substr(0, 3), 28, 28), Error);
  EXPECT_THROW(compress::wavelet_decode(f.substr(0, f.size() / 2), 28, 28), Error);
  std::string bad = f;
  bad[0] = bad[1] = bad[2] = bad[3] = '\xff';  // a NaN step
  EXPECT_THROW(compress::wavelet_decode(bad, 28, 28), Error);
  EXPECT_THROW(compress::wavelet_encode(img.data(), 28, 28, 0.0f), Error);
}

}  // namespace
}  // namespace hg::test
