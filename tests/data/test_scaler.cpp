#include "engine/data/scaler.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/util/error.h"
#include "tests/data/temp_dir.h"

namespace hg::data {
namespace {
using testing::expect_error;

// 4 rows x 3 features; column 2 is constant.
const std::vector<float> kX = {1, 10, 5,  //
                               2, 20, 5,  //
                               3, 30, 5,  //
                               6, 60, 5};

TEST(Scaler, ParseKind) {
  EXPECT_EQ(parse_scaler_kind("none", "--scale"), ScalerKind::None);
  EXPECT_EQ(parse_scaler_kind("standard", "--scale"), ScalerKind::Standard);
  EXPECT_EQ(parse_scaler_kind("minmax", "--scale"), ScalerKind::MinMax);
  EXPECT_EQ(parse_scaler_kind("binarize", "--scale"), ScalerKind::Binarize);
  EXPECT_EQ(to_string(ScalerKind::MinMax), "minmax");
  EXPECT_EQ(to_string(ScalerKind::Binarize), "binarize");
  expect_error<UsageError>([] { parse_scaler_kind("zscore", "--scale"); },
                           {"--scale", "'zscore'", "none, standard, minmax or binarize"});
}

TEST(Scaler, BinarizeThresholdsAtOneHalfAndRoundTripsThroughJson) {
  Scaler s;
  s.kind = ScalerKind::Binarize;
  std::vector<float> x{0.0f, 0.5f, 0.5001f, 1.0f, -3.0f, 7.0f};
  s.fit(x.data(), 2, 3);
  s.transform(x.data(), 2, 3);
  EXPECT_EQ(x, (std::vector<float>{0, 0, 1, 1, 0, 1}));
  s.inverse_transform(x.data(), 2, 3);  // no inverse: the 0/1 values stay
  EXPECT_EQ(x, (std::vector<float>{0, 0, 1, 1, 0, 1}));
  Scaler back = Scaler::from_json(s.to_json());
  EXPECT_EQ(back.kind, ScalerKind::Binarize);
}

TEST(Scaler, StandardFitMatchesHandComputation) {
  Scaler s;
  s.kind = ScalerKind::Standard;
  s.fit(kX.data(), 4, 3);
  // Column 0: mean 3, population variance (4+1+0+9)/4 = 3.5.
  EXPECT_FLOAT_EQ(s.shift[0], 3.0f);
  EXPECT_FLOAT_EQ(s.scale[0], std::sqrt(3.5f));
  EXPECT_FLOAT_EQ(s.shift[1], 30.0f);
  EXPECT_FLOAT_EQ(s.scale[1], 10 * std::sqrt(3.5f));
  EXPECT_FLOAT_EQ(s.shift[2], 5.0f);
  EXPECT_FLOAT_EQ(s.scale[2], 1.0f);  // constant column: std 0 -> 1
  std::vector<float> x = kX;
  s.transform(x.data(), 4, 3);
  EXPECT_FLOAT_EQ(x[0], -2.0f / std::sqrt(3.5f));
  EXPECT_FLOAT_EQ(x[9], 3.0f / std::sqrt(3.5f));
  EXPECT_FLOAT_EQ(x[2], 0.0f);
  double m = 0, v = 0;  // transformed column 1 has mean 0, variance 1
  for (int i = 0; i < 4; ++i) m += x[i * 3 + 1] / 4.0;
  for (int i = 0; i < 4; ++i) v += std::pow(x[i * 3 + 1] - m, 2) / 4.0;
  EXPECT_NEAR(m, 0.0, 1e-6);
  EXPECT_NEAR(v, 1.0, 1e-6);
}

TEST(Scaler, ConstantColumnMapsToZero) {
  // A constant column must come out as exact zeros with scale 1 (never a division by ~0).
  std::vector<float> x(1000, 0.1f);
  Scaler s;
  s.kind = ScalerKind::Standard;
  s.fit(x.data(), 1000, 1);
  EXPECT_EQ(s.scale[0], 1.0f);
  EXPECT_EQ(s.shift[0], 0.1f);
  s.transform(x.data(), 1000, 1);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_EQ(x[999], 0.0f);
  s.kind = ScalerKind::MinMax;
  std::vector<float> y(10, -7.5f);
  s.fit(y.data(), 10, 1);
  EXPECT_EQ(s.scale[0], 1.0f);
  s.transform(y.data(), 10, 1);
  EXPECT_EQ(y[9], 0.0f);
}

TEST(Scaler, MinMaxFitMatchesHandComputation) {
  Scaler s;
  s.kind = ScalerKind::MinMax;
  s.fit(kX.data(), 4, 3);
  EXPECT_EQ(s.shift, (std::vector<float>{1, 10, 5}));
  EXPECT_EQ(s.scale, (std::vector<float>{5, 50, 1}));
  std::vector<float> x = kX;
  s.transform(x.data(), 4, 3);
  EXPECT_FLOAT_EQ(x[0], 0.0f);
  EXPECT_FLOAT_EQ(x[3], 0.2f);
  EXPECT_FLOAT_EQ(x[9], 1.0f);
  EXPECT_FLOAT_EQ(x[10], 1.0f);
  EXPECT_FLOAT_EQ(x[11], 0.0f);
}

TEST(Scaler, InverseRestoresInput) {
  for (ScalerKind k : {ScalerKind::Standard, ScalerKind::MinMax}) {
    Scaler s;
    s.kind = k;
    s.fit(kX.data(), 4, 3);
    std::vector<float> x = kX;
    s.transform(x.data(), 4, 3);
    EXPECT_NE(x, kX);
    s.inverse_transform(x.data(), 4, 3);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], kX[i], 1e-5 * std::fabs(kX[i])) << i;
  }
}

TEST(Scaler, NoneIsIdentity) {
  Scaler s;
  s.fit(kX.data(), 4, 3);
  EXPECT_TRUE(s.shift.empty());
  std::vector<float> x = kX;
  s.transform(x.data(), 4, 3);
  s.inverse_transform(x.data(), 4, 3);
  EXPECT_EQ(x, kX);
}

TEST(Scaler, WidthMismatchAndEmptyFit) {
  Scaler s;
  s.kind = ScalerKind::Standard;
  s.fit(kX.data(), 4, 3);
  std::vector<float> x(4, 0.0f);
  expect_error<Error>([&] { s.transform(x.data(), 1, 4); }, {"4 features", "fitted on 3"});
  expect_error<Error>([&] { s.inverse_transform(x.data(), 2, 2); }, {"fitted on 3"});
  expect_error<Error>([&] { s.fit(x.data(), 0, 4); }, {"0 rows"});
}

TEST(Scaler, JsonRoundTrip) {
  Scaler s;
  s.kind = ScalerKind::Standard;
  s.fit(kX.data(), 4, 3);
  const nlohmann::json j = s.to_json();
  EXPECT_EQ(j["kind"], "standard");
  const Scaler t = Scaler::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(t.kind, ScalerKind::Standard);
  EXPECT_EQ(t.shift, s.shift);  // float -> JSON -> float is exact
  EXPECT_EQ(t.scale, s.scale);
  EXPECT_EQ(Scaler::from_json(Scaler().to_json()).kind, ScalerKind::None);
}

TEST(Scaler, FromJsonRejectsMalformed) {
  using nlohmann::json;
  expect_error<Error>([] { Scaler::from_json(json::array()); }, {"scaler", "kind"});
  expect_error<Error>(
      [] {
        Scaler::from_json(json{{"kind", "robust"}});
      },
      {"unknown kind 'robust'"});
  expect_error<Error>(
      [] {
        Scaler::from_json(json{{"kind", "minmax"}, {"scale", {1.0}}});
      },
      {"'shift'"});
  expect_error<Error>(
      [] {
        Scaler::from_json(json{{"kind", "minmax"}, {"shift", {1.0, 2.0}}, {"scale", {1.0}}});
      },
      {"equal length"});
  expect_error<Error>(
      [] {
        Scaler::from_json(json{{"kind", "standard"}, {"shift", {"a"}}, {"scale", {1.0}}});
      },
      {"'shift'", "numbers"});
  expect_error<Error>(
      [] {
        Scaler::from_json(json{{"kind", "standard"}, {"shift", {0.0}}, {"scale", {0.0}}});
      },
      {"zero"});
}

}  // namespace
}  // namespace hg::data
