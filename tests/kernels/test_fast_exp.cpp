// fast_exp (kernels/cpu/simd_loop.h) against std::exp in double, and the vectorised sigmoid
// against a double-precision reference over a tensor large enough to use every code path
// (vector body, scalar tail, several threads' chunks).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/activation.h"
#include "kernels/cpu/simd_loop.h"

using hg::kernels::cpu::detail::fast_exp;

TEST(FastExp, RelativeErrorAcrossTheRange) {
  double worst = 0;
  float worst_x = 0;
  for (float x = -87.3f; x < 88.72f; x += 0.000917f) {
    const double e = std::exp(static_cast<double>(x));
    const double r = std::fabs(fast_exp(x) - e) / e;
    if (r > worst) worst = r, worst_x = x;
  }
  EXPECT_LT(worst, 3.5e-7) << "at x = " << worst_x;
}

TEST(FastExp, ExtremesLikeStdExp) {
  EXPECT_EQ(fast_exp(0.0f), 1.0f);
  EXPECT_EQ(fast_exp(-1000.0f), 0.0f);
  EXPECT_EQ(fast_exp(-88.0f), 0.0f);  // std::exp gives a denormal here; we flush to 0
  EXPECT_TRUE(std::isinf(fast_exp(89.0f)));
  EXPECT_TRUE(std::isinf(fast_exp(std::numeric_limits<float>::infinity())));
  EXPECT_EQ(fast_exp(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_TRUE(std::isnan(fast_exp(std::numeric_limits<float>::quiet_NaN())));
}

TEST(FastExp, VectorisedSigmoidMatchesDoubleReference) {
  const int64_t n = 100003;  // odd: leaves a scalar tail after the vector loop
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-30.0f, 30.0f);
  std::vector<float> x(n), y(n, std::numeric_limits<float>::quiet_NaN());
  for (auto& v : x) v = u(rng);
  x[5] = std::numeric_limits<float>::quiet_NaN();
  hg::kernels::cpu::act_forward(hg::kernels::cpu::Act::Sigmoid, x.data(), y.data(), n);
  EXPECT_TRUE(std::isnan(y[5]));
  for (int64_t i = 0; i < n; ++i) {
    if (i == 5) continue;
    const double ref = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    ASSERT_NEAR(y[i], ref, 1e-6 * ref + 1e-30) << "x = " << x[i];
  }
}
