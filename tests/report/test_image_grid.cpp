#include "apps/report/image_grid.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "engine/util/error.h"
#include "tests/report/png_decode.h"

namespace hg::report {
namespace {

TEST(ImageGrid, DimensionsAndPixels) {
  const int h = 3, w = 4;
  std::vector<float> black(h * w, 0.f), white(h * w, 1.f), ramp(h * w);
  for (int i = 0; i < h * w; ++i) ramp[i] = i / float(h * w - 1);
  const std::vector<const float*> imgs = {black.data(), white.data(), ramp.data(), white.data(),
                                          black.data()};
  const std::string path =
      (std::filesystem::temp_directory_path() / ("hg_grid_" + std::to_string(::getpid()) + ".png"))
          .string();
  write_image_grid_png(imgs, h, w, 3, 5, path);
  const auto im = hg::test::decode_png(hg::test::read_all(path));
  std::filesystem::remove(path);
  ASSERT_FALSE(im.rgb.empty());
  EXPECT_EQ(im.w, 3 * w * 5 + 2 * 4);                  // 68
  EXPECT_EQ(im.h, 2 * h * 5 + 2 * 3);                  // 36
  EXPECT_EQ(im.at(2, 2), 0x000000u);                   // first image, black
  EXPECT_EQ(im.at(2 + 20 + 2 + 3, 2 + 3), 0xFFFFFFu);  // second image, white
  EXPECT_NE(im.at(0, 0), 0x000000u);                   // separator
  EXPECT_NE(im.at(0, 0), 0xFFFFFFu);
  EXPECT_EQ(im.at(2 + 2 * 22 + 19, 2 + 14), 0xFFFFFFu);  // ramp's last pixel (bottom-right) is 1.0
}

TEST(ImageGrid, BadArgumentsNamePath) {
  std::vector<float> img(4, 0.5f);
  const std::string p = "/tmp/hg_grid_bad.png";
  for (auto f :
       {+[](const std::string&path, const float*d) {
          (void)d;
          write_image_grid_png({}, 2, 2, 1, 1, path);
        },
        +[](const std::string&path, const float*d) { write_image_grid_png({d}, 0, 2, 1, 1, path); },
        +[](const std::string&path, const float*) {
          write_image_grid_png({nullptr}, 2, 2, 1, 1, path);
        },
        +[](const std::string&path, const float*d) {
          write_image_grid_png({d}, 2, 2, 1, 100000, path);
        }}) {
    try {
      f(p, img.data());
      ADD_FAILURE() << "expected hg::Error";
    } catch (const hg::Error& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
    }
  }
  EXPECT_FALSE(std::filesystem::exists(p));
}

}  // namespace
}  // namespace hg::report
