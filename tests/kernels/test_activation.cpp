// Activations: forward vs the scalar formulas (in double), backward vs double-precision central
// finite differences of the same formulas, stability at large |x|, in-place use.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/activation.h"

namespace hg::kernels::cpu {
namespace {

// Every row of the table (kernels/common/activation.h), with its formula in double.
double ref_act(Act a, double x, double alpha) { return act_ref(a, x, alpha); }
const auto& kAll = kActivations;

std::vector<float> inputs(int64_t n) {
  std::mt19937 g(3);
  std::uniform_real_distribution<float> d(-6.0f, 6.0f);
  std::vector<float> x(n);
  for (auto& v : x) {
    v = d(g);
    if (std::fabs(v) < 1e-3f) v = 0.5f;  // keep FD away from the ReLU kink
  }
  return x;
}

TEST(Activation, ForwardMatchesFormula) {
  const int64_t n = 100003;  // > grain: runs threaded
  auto x = inputs(n);
  std::vector<float> y(n);
  for (Act a : kAll) {
    act_forward(a, x.data(), y.data(), n, 0.2f);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(y[i], ref_act(a, x[i], 0.2), 2e-6 * (1 + std::fabs(ref_act(a, x[i], 0.2))))
          << "act " << int(a) << " x=" << x[i];
  }
}

TEST(Activation, BackwardMatchesFiniteDifferences) {
  const int64_t n = 40000;
  auto x = inputs(n);
  std::mt19937 g(4);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> dy(n), y(n), dx(n);
  for (auto& v : dy) v = d(g);
  for (Act a : kAll) {
    act_forward(a, x.data(), y.data(), n, 0.2f);
    act_backward(a, x.data(), y.data(), dy.data(), dx.data(), n, 0.2f);
    for (int64_t i = 0; i < n; ++i) {
      const double h = 1e-6;
      const double fd = (ref_act(a, x[i] + h, 0.2) - ref_act(a, x[i] - h, 0.2)) / (2 * h);
      ASSERT_NEAR(dx[i], dy[i] * fd, 1e-5) << "act " << int(a) << " x=" << x[i];
    }
  }
}

TEST(Activation, StableAtExtremes) {
  const float x[] = {-1000.0f, -100.0f, -88.0f, 0.0f, 88.0f, 100.0f, 1000.0f};
  float y[7];
  act_forward(Act::Sigmoid, x, y, 7);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_FLOAT_EQ(y[3], 0.5f);
  EXPECT_EQ(y[6], 1.0f);
  for (float v : y) EXPECT_TRUE(std::isfinite(v));
  act_forward(Act::Softplus, x, y, 7);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_FLOAT_EQ(y[3], std::log(2.0f));
  EXPECT_FLOAT_EQ(y[5], 100.0f);
  EXPECT_FLOAT_EQ(y[6], 1000.0f);
  act_forward(Act::Tanh, x, y, 7);
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[6], 1.0f);
  // Softplus' = sigmoid, also at the extremes.
  const float dy[7] = {1, 1, 1, 1, 1, 1, 1};
  float dx[7];
  act_backward(Act::Softplus, x, y, dy, dx, 7);
  EXPECT_EQ(dx[0], 0.0f);
  EXPECT_FLOAT_EQ(dx[3], 0.5f);
  EXPECT_EQ(dx[6], 1.0f);
}

TEST(Activation, InPlaceAndAliasing) {
  std::vector<float> x = {-2.0f, -0.5f, 0.5f, 2.0f};
  act_forward(Act::LeakyReLU, x.data(), x.data(), 4, 0.1f);
  EXPECT_FLOAT_EQ(x[0], -0.2f);
  EXPECT_FLOAT_EQ(x[1], -0.05f);
  EXPECT_FLOAT_EQ(x[3], 2.0f);
  std::vector<float> in = {-1.0f, 1.0f}, g = {3.0f, 4.0f};
  act_backward(Act::ReLU, in.data(), nullptr, g.data(), g.data(), 2);  // dx aliases dy
  EXPECT_EQ(g[0], 0.0f);
  EXPECT_EQ(g[1], 4.0f);
}

}  // namespace
}  // namespace hg::kernels::cpu
