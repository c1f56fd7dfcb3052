// "noise": "downsample:F" (super-resolution's input): block means repeated back, on rows of a
// square image or of the config's "image" shape; bad factors and shapes are errors naming the
// config.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/util/error.h"
#include "models/corruption.h"

namespace hg::models {
namespace {

TEST(Corruption, DownsampleRepeatsBlockMeans) {
  const NoiseConfig c = noise_config({{"input", 16}, {"noise", "downsample:2"}}, "cfg");
  ASSERT_TRUE(c.deterministic());
  EXPECT_EQ(c.h, 4);
  std::vector<float> v(32);  // two rows of a 4x4 image
  for (int i = 0; i < 32; ++i) v[i] = static_cast<float>(i);
  const std::vector<float> y = apply_noise(c, Tensor::from_vector({2, 16}, v), 7).to_vector();
  ASSERT_EQ(y.size(), 32u);
  // Row 0, top-left block: (0 + 1 + 4 + 5) / 4; row 1, bottom-right: (26 + 27 + 30 + 31) / 4.
  for (int i : {0, 1, 4, 5}) EXPECT_FLOAT_EQ(y[i], 2.5f);
  for (int i : {26, 27, 30, 31}) EXPECT_FLOAT_EQ(y[i], 28.5f);
  EXPECT_EQ(apply_noise(c, Tensor::from_vector({2, 16}, v), 99).to_vector(), y);  // no seed used
}

TEST(Corruption, DownsampleUsesTheImageShape) {
  const NoiseConfig c =
      noise_config({{"input", 2 * 4 * 6}, {"image", {2, 4, 6}}, {"noise", "downsample:2"}}, "cfg");
  EXPECT_EQ(c.c, 2);
  EXPECT_EQ(c.w, 6);
  std::vector<float> v(48, 1.0f);
  v[0] = 5.0f;  // the first block of the first channel only
  const std::vector<float> y = apply_noise(c, Tensor::from_vector({1, 48}, v), 0).to_vector();
  EXPECT_FLOAT_EQ(y[0], 2.0f);
  EXPECT_FLOAT_EQ(y[7], 2.0f);
  EXPECT_FLOAT_EQ(y[24], 1.0f);  // second channel untouched
}

TEST(Corruption, BadDownsampleIsAnErrorNamingTheConfig) {
  for (const char* bad : {"downsample:1", "downsample:x", "downsample:", "downsample:3"}) {
    try {
      noise_config({{"input", 784}, {"noise", bad}}, "my.json");
      FAIL() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("my.json"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(noise_config({{"input", 10}, {"noise", "downsample:2"}}, "c"), Error);  // not square
}

}  // namespace
}  // namespace hg::models
