// knn-input's view of the inputs (apps/detect/input_view.h): the power, the Gaussian taps, the
// blur of a single lit pixel (the taps' outer product, cut at the border), its JSON round trip
// and the errors that name the flag.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "apps/detect/input_view.h"
#include "engine/util/error.h"

namespace hg {
namespace {

using detect::InputView;

TEST(InputView, GaussianTapsForSigmaOne) {
  const std::vector<float> t = detect::gaussian_taps(1.0);
  ASSERT_EQ(t.size(), 9u);  // radius ceil(4 sigma)
  EXPECT_NEAR(std::accumulate(t.begin(), t.end(), 0.0), 1.0, 1e-6);
  const double want[] = {0.000134, 0.004432, 0.053991, 0.241971, 0.398943};
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(t[i], want[i], 2e-6) << i;
    EXPECT_EQ(t[i], t[8 - i]);
  }
}

TEST(InputView, PowerThenBlurOfOnePixel) {
  InputView v;
  v.power = 0.5;
  v.blur = 1.0;
  v.h = 9, v.w = 11;
  std::vector<float> x(2 * 99, 0.0f);
  x[4 * 11 + 5] = 0.25f;  // image 0: centre pixel, sqrt -> 0.5
  x[99 + 0] = 1.0f;       // image 1: corner pixel
  const std::vector<float> y = v.apply(x.data(), 2, 99);
  const std::vector<float> t = detect::gaussian_taps(1.0);
  for (int r = 0; r < 9; ++r)
    for (int c = 0; c < 11; ++c) {
      const int dr = r - 4, dc = c - 5;
      const double want =
          (std::abs(dr) <= 4 && std::abs(dc) <= 4) ? 0.5 * t[dr + 4] * t[dc + 4] : 0.0;
      EXPECT_NEAR(y[r * 11 + c], want, 1e-7) << r << "," << c;
    }
  // Zero outside the image: the corner pixel keeps only the in-image part of its kernel.
  double mass = 0;
  for (int i = 0; i < 99; ++i) mass += y[99 + i];
  const double half = t[4] + t[5] + t[6] + t[7] + t[8];
  EXPECT_NEAR(mass, half * half, 1e-6);
  // The identity view leaves rows alone.
  InputView id;
  EXPECT_TRUE(id.identity());
  EXPECT_EQ(id.apply(x.data(), 2, 99), x);
}

TEST(InputView, JsonRoundTripAndErrors) {
  InputView v;
  v.power = 0.5;
  v.blur = 1.5;
  v.c = 1, v.h = 28, v.w = 28;
  const InputView back = InputView::from_json(v.to_json(), "detector.json");
  EXPECT_EQ(back.power, 0.5);
  EXPECT_EQ(back.blur, 1.5);
  EXPECT_EQ(back.h, 28);
  EXPECT_TRUE(InputView::from_json(nlohmann::json::object(), "d").identity());

  InputView table;
  table.blur = 1.0;  // no image shape
  EXPECT_THROW(table.check(10, "--knn-blur"), UsageError);
  InputView bad;
  bad.power = -1;
  EXPECT_THROW(bad.check(10, "--knn-power"), UsageError);
  InputView root;
  root.power = 0.5;
  const float neg[] = {0.2f, -0.1f};
  try {
    root.apply(neg, 1, 2);
    FAIL() << "a negative input under a fractional power must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--knn-power"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hg
