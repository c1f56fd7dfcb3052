// A 28 x 28 "digit" for the codec tests: a ring of radius 7 with a soft edge, on black.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

namespace hg::test {

inline std::vector<float> ring_image(double cx, double cy) {
  std::vector<float> img(28 * 28);
  for (int r = 0; r < 28; ++r)
    for (int c = 0; c < 28; ++c) {
      const double d = std::hypot(r - cy, c - cx);
      img[r * 28 + c] = static_cast<float>(std::max(0.0, 1.0 - std::fabs(d - 7.0) / 2.5));
    }
  return img;
}

}  // namespace hg::test
