// Every row of the pointwise op table (kernels/common/pointwise.h) on the CPU: the fp32 kernel
// against the row's double reference on random inputs from the row's range, the backward against
// a central difference of that reference, odd sizes (threaded chunks and the vector tail), outputs
// poisoned with NaN first, and outputs aliasing an input. A new row is checked without a new test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/pointwise.h"

namespace hg::kernels::cpu {
namespace {

namespace pw = kernels::pointwise;

std::vector<float> uniform(int64_t n, double lo, double hi, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(d(g));
  return v;
}

constexpr float kPoison = std::numeric_limits<float>::quiet_NaN();
constexpr int64_t kSizes[] = {1, 7, 4099, 70001};

// Relative error bound of one fp32 libm call or arithmetic op, with room for a rounding of x.
bool close(double got, double want, double rel = 4e-7) {
  return std::fabs(got - want) <= rel * (std::fabs(want) + 1e-30) + 1e-30;
}

template <class Op>
void check_unary() {
  for (int64_t n : kSizes) {
    const auto x = uniform(n, Op::lo, Op::hi, 1), g = uniform(n, -1.0, 1.0, 2);
    std::vector<float> y(x.size(), kPoison), dx(x.size(), kPoison);
    unary<Op>(x.data(), y.data(), n);
    unary_backward<Op>(x.data(), y.data(), g.data(), dx.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(close(y[i], Op::ref(x[i]))) << Op::name << " x=" << x[i] << " y=" << y[i];
      const double h = 1e-5 * (std::fabs(x[i]) + 1.0);
      const double slope = (Op::ref(x[i] + h) - Op::ref(x[i] - h)) / (2 * h);
      ASSERT_NEAR(dx[i], g[i] * slope, 1e-4 * (std::fabs(g[i] * slope) + 1.0))
          << Op::name << "' at x=" << x[i];
    }
    std::vector<float> inplace = x;  // y aliases x
    unary<Op>(inplace.data(), inplace.data(), n);
    ASSERT_EQ(0, std::memcmp(inplace.data(), y.data(), y.size() * sizeof(float))) << Op::name;
  }
}

template <class Op>
void check_binary() {
  for (int64_t n : kSizes) {
    const auto a = uniform(n, -2.0, 2.0, 3), b = uniform(n, Op::lo, Op::hi, 4);
    std::vector<float> y(a.size(), kPoison);
    binary<Op>(a.data(), b.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_TRUE(close(y[i], Op::ref(a[i], b[i]))) << Op::name << " " << a[i] << ", " << b[i];
    std::vector<float> inplace = a;  // y aliases a
    binary<Op>(inplace.data(), b.data(), inplace.data(), n);
    ASSERT_EQ(0, std::memcmp(inplace.data(), y.data(), y.size() * sizeof(float))) << Op::name;
  }
}

#define HG_TEST_UNARY(Row, fn) \
  TEST(PointwiseCpu, Row) { check_unary<pw::Row>(); }
#define HG_TEST_BINARY(Row, fn) \
  TEST(PointwiseCpu, Row) { check_binary<pw::Row>(); }
HG_UNARY_OPS(HG_TEST_UNARY)
HG_BINARY_OPS(HG_TEST_BINARY)

TEST(PointwiseCpu, AbsSubgradientIsZeroAtZero) {
  const float x = 0.0f, g = 1.0f;
  float dx = kPoison;
  unary_backward<pw::Abs>(&x, &x, &g, &dx, 1);
  EXPECT_EQ(dx, 0.0f);
}

}  // namespace
}  // namespace hg::kernels::cpu
