// Resampling: block averages and nearest repeats by hand, bicubic against OpenCV's INTER_CUBIC
// on a 4x4 image with an edge and a spike (values printed by cv2.resize 4.6, clipped to [0, 1]),
// and a constant image staying constant.
#include <gtest/gtest.h>

#include <vector>

#include "apps/imaging/resample.h"
#include "engine/util/error.h"

namespace hg::imaging {
namespace {

TEST(Resample, BlockAverageAndNearestByHand) {
  // One 2x4 plane, factor 2 -> 1x2.
  const std::vector<float> img{0, 1, 4, 4, 2, 3, 4, 8};
  const std::vector<float> low = block_average(img.data(), 1, 1, 2, 4, 2);
  ASSERT_EQ(low.size(), 2u);
  EXPECT_FLOAT_EQ(low[0], 1.5f);
  EXPECT_FLOAT_EQ(low[1], 5.0f);
  const std::vector<float> up = upsample_nearest(low.data(), 1, 1, 1, 2, 2);
  EXPECT_EQ(up, (std::vector<float>{1.5f, 1.5f, 5, 5, 1.5f, 1.5f, 5, 5}));
  EXPECT_THROW(block_average(img.data(), 1, 1, 2, 4, 3), Error);  // 3 does not divide 4
}

TEST(Resample, BicubicMatchesOpenCv) {
  std::vector<float> low(16);
  for (int i = 0; i < 16; ++i) low[i] = static_cast<float>(i) / 20.0f;
  low[6] = 0.9f;
  const std::vector<float> want{
      0.0f,        0.0f,        0.01897888f, 0.02718811f, 0.00844421f, 0.03988953f, 0.10277405f,
      0.14085388f, 0.03300781f, 0.04233094f, 0.05511779f, 0.14422302f, 0.26145324f, 0.2928986f,
      0.21980897f, 0.1769928f,  0.12832032f, 0.12462463f, 0.1113739f,  0.3364532f,  0.68223578f,
      0.71368104f, 0.41203922f, 0.23324889f, 0.25410154f, 0.25040588f, 0.23715515f, 0.4622345f,
      0.80801696f, 0.83946228f, 0.53782046f, 0.35903016f, 0.33535153f, 0.34467468f, 0.35746154f,
      0.44656676f, 0.56379706f, 0.59524232f, 0.52215266f, 0.47933656f, 0.4611328f,  0.4782013f,
      0.50647891f, 0.51468813f, 0.49594426f, 0.52738953f, 0.59027404f, 0.62835389f, 0.55644536f,
      0.57203066f, 0.59734195f, 0.62104189f, 0.6283356f,  0.65978092f, 0.6966278f,  0.71921694f,
      0.61582029f, 0.63066405f, 0.65449226f, 0.68593752f, 0.70625001f, 0.73769534f, 0.76152343f,
      0.77636719f};
  const std::vector<float> got = upsample_bicubic(low.data(), 1, 1, 4, 4, 2);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 2e-4) << "pixel " << i;
}

TEST(Resample, BicubicKeepsAConstantImage) {
  const std::vector<float> low(2 * 3 * 5 * 7, 0.4f);  // two images of three planes
  for (float v : upsample_bicubic(low.data(), 2, 3, 5, 7, 4)) EXPECT_NEAR(v, 0.4f, 1e-6);
}

}  // namespace
}  // namespace hg::imaging
