#include "engine/data/synthetic.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hg::data {
namespace {

TEST(Synthetic, ShapeNamesAndLabels) {
  const Dataset d = make_synthetic();
  EXPECT_EQ(d.name, "synthetic");
  EXPECT_EQ(d.n, 1050);
  EXPECT_EQ(d.sample_shape, (std::vector<int64_t>{10}));
  EXPECT_EQ(d.x.size(), 10500u);
  ASSERT_EQ(d.feature_names.size(), 10u);
  EXPECT_EQ(d.feature_names.front(), "f1");
  EXPECT_EQ(d.feature_names.back(), "f10");
  ASSERT_EQ(d.y.size(), 1050u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(d.y[i], 0) << i;
  for (int i = 1000; i < 1050; ++i) ASSERT_EQ(d.y[i], 1) << i;
}

// Column means and stds of rows [lo, hi).
void moments(const Dataset& d, int lo, int hi, std::vector<double>& mean, std::vector<double>& sd) {
  mean.assign(10, 0.0);
  sd.assign(10, 0.0);
  for (int i = lo; i < hi; ++i)
    for (int j = 0; j < 10; ++j) mean[j] += d.x[i * 10 + j];
  for (auto& m : mean) m /= hi - lo;
  for (int i = lo; i < hi; ++i)
    for (int j = 0; j < 10; ++j) sd[j] += std::pow(d.x[i * 10 + j] - mean[j], 2);
  for (auto& s : sd) s = std::sqrt(s / (hi - lo));
}

TEST(Synthetic, NormalRowsMatchTheirDistribution) {
  const Dataset d = make_synthetic(42);
  std::vector<double> mean, sd;
  moments(d, 0, 1000, mean, sd);
  for (int j = 0; j < 10; ++j) {
    EXPECT_NEAR(mean[j], j + 1, 0.06) << "feature " << j;  // 4 standard errors (0.5/sqrt(1000))
    EXPECT_NEAR(sd[j], 0.5, 0.05) << "feature " << j;
  }
}

TEST(Synthetic, AnomaliesAreReversedAndWide) {
  const Dataset d = make_synthetic(42);
  std::vector<double> mean, sd;
  moments(d, 1000, 1050, mean, sd);
  for (int j = 0; j < 10; ++j) {
    EXPECT_NEAR(mean[j], 10 - j, 1.7) << "feature " << j;  // 4 standard errors (3/sqrt(50))
    EXPECT_NEAR(sd[j], 3.0, 1.0) << "feature " << j;
  }
}

TEST(Synthetic, SeedDeterminesTable) {
  EXPECT_EQ(make_synthetic(7).x, make_synthetic(7).x);
  EXPECT_NE(make_synthetic(7).x, make_synthetic(8).x);
  EXPECT_EQ(make_synthetic().x, make_synthetic(42).x);
}

}  // namespace
}  // namespace hg::data
