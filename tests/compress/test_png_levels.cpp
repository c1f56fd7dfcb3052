// The lossy PNG baseline (apps/compress/png_levels.h): 256 levels is 8-bit lossless, fewer levels
// cost fewer bytes and less PSNR, every image at a budget fits it, the image-data count is the
// IDAT payload, and bad input is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "apps/compress/codec.h"
#include "apps/compress/png_levels.h"
#include "apps/imaging/quality.h"
#include "engine/util/error.h"
#include "ring_image.h"

namespace hg::test {
namespace {

TEST(PngLevels, AllLevelsIsEightBitLosslessAndFewerLevelsTradeBytesForPsnr) {
  const std::vector<float> img = ring_image(13.5, 14.0);
  const std::string full = compress::png_levels_encode(img.data(), 28, 28, 256);
  const std::vector<float> back = compress::png_levels_decode(full, 28, 28, 256);
  for (size_t j = 0; j < img.size(); ++j) ASSERT_NEAR(back[j], img[j], 0.5 / 255 + 1e-6) << j;
  double last_bytes = 1e9, last_psnr = 1e9;
  for (int levels : {256, 16, 4, 2}) {
    const std::string f = compress::png_levels_encode(img.data(), 28, 28, levels);
    const std::vector<float> dec = compress::png_levels_decode(f, 28, 28, levels);
    const double p = imaging::psnr(img.data(), dec.data(), 28 * 28, 1.0);
    EXPECT_LE(static_cast<double>(f.size()), last_bytes) << levels;
    EXPECT_LT(p, last_psnr) << levels;
    last_bytes = static_cast<double>(f.size()), last_psnr = p;
  }
  EXPECT_LT(last_bytes, static_cast<double>(full.size()));
}

TEST(PngLevels, ImageDataBytesAreTheIdatPayload) {
  const std::vector<float> img = ring_image(12.0, 15.0);
  const std::string f = compress::png_levels_encode(img.data(), 28, 28, 8);
  const int64_t data = compress::png_data_bytes(f);
  // Signature 8, IHDR 25, one IDAT chunk's 12 bytes of framing, IEND 12.
  EXPECT_EQ(data, static_cast<int64_t>(f.size()) - 8 - 25 - 12 - 12);
  EXPECT_GT(data, 0);
}

TEST(PngLevels, AtABudgetEveryImageFitsAndTooSmallABudgetSaysWhy) {
  std::vector<float> imgs;
  for (int i = 0; i < 4; ++i) {
    const auto im = ring_image(11.0 + i, 12.0 + 0.5 * i);
    imgs.insert(imgs.end(), im.begin(), im.end());
  }
  for (bool data_only : {false, true}) {
    const auto r = compress::png_at_budget(imgs.data(), 4, 28, 28, 150.0, data_only);
    ASSERT_TRUE(r.psnr.has_value()) << r.note;
    EXPECT_LE(r.mean_bytes, 150.0);
    EXPECT_GE(r.mean_levels, 2.0);
    EXPECT_GT(*r.psnr, 10.0);
  }
  // More bytes, more levels.
  const auto small = compress::png_at_budget(imgs.data(), 4, 28, 28, 90.0, true);
  const auto big = compress::png_at_budget(imgs.data(), 4, 28, 28, 300.0, true);
  ASSERT_TRUE(small.psnr && big.psnr) << small.note;
  EXPECT_LT(*small.psnr, *big.psnr);
  // A whole PNG file has about 57 bytes of framing: 20 bytes never fit.
  const auto tiny = compress::png_at_budget(imgs.data(), 4, 28, 28, 20.0, false);
  EXPECT_FALSE(tiny.psnr.has_value());
  EXPECT_NE(tiny.note.find("budget"), std::string::npos);
}

TEST(PngLevels, BadLevelsAndDamagedFilesAreRefused) {
  const std::vector<float> img = ring_image(14.0, 14.0);
  EXPECT_THROW(compress::png_levels_encode(img.data(), 28, 28, 1), Error);
  EXPECT_THROW(compress::png_levels_encode(img.data(), 28, 28, 257), Error);
  const std::string f = compress::png_levels_encode(img.data(), 28, 28, 4);
  EXPECT_THROW(compress::png_levels_decode(f.substr(0, f.size() / 2), 28, 28, 4), Error);
  EXPECT_THROW(compress::png_levels_decode(f, 14, 28, 4), Error);
  EXPECT_THROW(compress::png_levels_decode(f, 28, 28, 0), Error);
}

}  // namespace
}  // namespace hg::test
