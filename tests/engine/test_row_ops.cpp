// The row-wise ops and the noise ops of engine/ops/row_ops.h on the CPU: values on hand-checked
// small cases, gradients against double-precision central differences (gradcheck.h), shape errors,
// randn statistics and determinism, corrupt's fractions and spreads, parse_noise's errors.
#include <algorithm>
#include <cmath>
#include <string>

#include "engine/autograd/autograd.h"
#include "engine/util/error.h"
#include "gradcheck.h"

namespace hg::test {
namespace {

std::vector<float> vals(const Tensor& t) { return t.to_vector(); }

// Pushes values away from 0 (abs's kink) so finite differences are meaningful.
Tensor away_from_zero(Tensor t) {
  float* d = t.data();
  for (int64_t i = 0; i < t.numel(); ++i)
    if (std::fabs(d[i]) < 0.05f) d[i] = d[i] < 0 ? -0.05f - d[i] : 0.05f + d[i];
  return t;
}

// The Error thrown by f, or fails the test.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no hg::Error thrown";
  return "";
}

// ---- abs
// ------------------------------------------------------------------------------------------

TEST(RowOps, AbsValuesAndGradient) {
  Tensor x = Tensor::from_vector({4}, {-2.0f, 0.0f, 3.5f, -0.25f}).set_requires_grad(true);
  Tensor y = ops::abs(x);
  EXPECT_EQ(vals(y), (std::vector<float>{2.0f, 0.0f, 3.5f, 0.25f}));
  ops::sum(ops::mul(y, Tensor::from_vector({4}, {1.0f, 5.0f, 2.0f, 3.0f}))).backward();
  EXPECT_EQ(vals(x.grad()), (std::vector<float>{-1.0f, 0.0f, 2.0f, -3.0f}));  // 0 at 0

  Rng rng(21);
  Tensor r = away_from_zero(random_tensor({5, 7}, rng));
  check_gradients(
      {r}, {true}, [](const auto& t) { return ops::abs(t[0]); },
      [](const std::vector<Vec>& t) {
        Vec y(t[0].size());
        for (size_t i = 0; i < y.size(); ++i) y[i] = std::fabs(t[0][i]);
        return y;
      });
}

// ---- sum_cols / mean_cols
// ------------------------------------------------------------------------

TEST(RowOps, SumAndMeanColsValues) {
  Tensor x = Tensor::from_vector({3, 2}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(ops::sum_cols(x).shape(), (Shape{2}));
  EXPECT_EQ(vals(ops::sum_cols(x)), (std::vector<float>{9, 12}));
  EXPECT_EQ(vals(ops::mean_cols(x)), (std::vector<float>{3, 4}));
  EXPECT_NE(error_of([] { ops::sum_cols(Tensor::zeros({4})); }).find("sum_cols"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              ops::mean_cols(Tensor::zeros({0, 3}));
            }).find("[0, 3]"),
            std::string::npos);
}

Vec col_sums(const Vec& x, int64_t B, int64_t D, double scale) {
  Vec y(static_cast<size_t>(D), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < D; ++c) y[c] += scale * x[b * D + c];
  return y;
}

TEST(RowOps, SumAndMeanColsGradients) {
  Rng rng(22);
  for (auto [B, D] : {std::pair<int64_t, int64_t>{1, 1}, {5, 4}, {7, 3}}) {
    Tensor x = random_tensor({B, D}, rng);
    check_gradients(
        {x}, {true}, [](const auto& t) { return ops::sum_cols(t[0]); },
        [=](const std::vector<Vec>& t) { return col_sums(t[0], B, D, 1.0); });
    check_gradients(
        {x}, {true}, [](const auto& t) { return ops::mean_cols(t[0]); },
        [=](const std::vector<Vec>& t) { return col_sums(t[0], B, D, 1.0 / B); });
  }
}

// ---- repeat_rows / tile_rows
// ---------------------------------------------------------------------

TEST(RowOps, RepeatAndTileRowsValues) {
  Tensor x = Tensor::from_vector({2, 2}, {1, 2, 3, 4});
  Tensor r = ops::repeat_rows(x, 3);
  EXPECT_EQ(r.shape(), (Shape{6, 2}));
  EXPECT_EQ(vals(r), (std::vector<float>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
  Tensor t = ops::tile_rows(x, 3);
  EXPECT_EQ(t.shape(), (Shape{6, 2}));
  EXPECT_EQ(vals(t), (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(vals(ops::repeat_rows(x, 1)), vals(x));
  EXPECT_NE(error_of([&] { ops::repeat_rows(x, 0); }).find("repeat_rows"), std::string::npos);
  EXPECT_NE(error_of([&] { ops::tile_rows(x, -1); }).find("tile_rows"), std::string::npos);
  EXPECT_NE(error_of([] {
              ops::tile_rows(Tensor::zeros({2, 2, 2}), 2);
            }).find("[2, 2, 2]"),
            std::string::npos);
}

TEST(RowOps, RepeatAndTileRowsGradients) {
  Rng rng(23);
  for (auto [B, D, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {3, 4, 3}, {2, 5, 4}}) {
    Tensor x = random_tensor({B, D}, rng);
    check_gradients(
        {x}, {true}, [k](const auto& t) { return ops::repeat_rows(t[0], k); },
        [=](const std::vector<Vec>& t) {
          Vec y(static_cast<size_t>(B * k * D));
          for (int64_t b = 0; b < B; ++b)
            for (int64_t j = 0; j < k; ++j)
              for (int64_t c = 0; c < D; ++c) y[(b * k + j) * D + c] = t[0][b * D + c];
          return y;
        });
    check_gradients(
        {x}, {true}, [k](const auto& t) { return ops::tile_rows(t[0], k); },
        [=](const std::vector<Vec>& t) {
          Vec y(static_cast<size_t>(k * B * D));
          for (int64_t s = 0; s < k; ++s)
            for (int64_t i = 0; i < B * D; ++i) y[s * B * D + i] = t[0][i];
          return y;
        });
  }
}

// The adjoint of repeat_rows, an op of its own (repeat_rows's backward is written with it).
TEST(RowOps, SumRowGroupsValuesGradientsAndErrors) {
  Tensor x = Tensor::from_vector({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(vals(ops::sum_row_groups(x, 2)), (std::vector<float>{4, 6, 12, 14}));
  EXPECT_EQ(vals(ops::sum_row_groups(x, 1)), vals(x));
  for (int64_t k : {0, 3, -1}) {
    const std::string e = error_of([&] { ops::sum_row_groups(x, k); });
    EXPECT_NE(e.find("sum_row_groups"), std::string::npos) << e;
    EXPECT_NE(e.find("[4, 2]"), std::string::npos) << e;
  }
  Rng rng(28);
  for (auto [B, D, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {3, 4, 3}, {2, 5, 4}}) {
    check_gradients(
        {random_tensor({B * k, D}, rng)}, {true},
        [k](const auto& t) { return ops::sum_row_groups(t[0], k); },
        [=](const std::vector<Vec>& t) {
          Vec y(static_cast<size_t>(B * D), 0.0);
          for (int64_t b = 0; b < B; ++b)
            for (int64_t j = 0; j < k; ++j)
              for (int64_t c = 0; c < D; ++c) y[b * D + c] += t[0][(b * k + j) * D + c];
          return y;
        });
  }
}

// ---- scale_rows
// ------------------------------------------------------------------------------------

TEST(RowOps, ScaleRowsValuesAndErrors) {
  Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6}),
         s = Tensor::from_vector({2}, {2, -0.5f});
  EXPECT_EQ(vals(ops::scale_rows(x, s)), (std::vector<float>{2, 4, 6, -2, -2.5f, -3}));
  const std::string e = error_of([&] { ops::scale_rows(x, Tensor::zeros({3})); });
  EXPECT_NE(e.find("scale_rows"), std::string::npos) << e;
  EXPECT_NE(e.find("[2, 3]"), std::string::npos) << e;
  EXPECT_NE(e.find("[3]"), std::string::npos) << e;
}

TEST(RowOps, ScaleRowsGradients) {
  Rng rng(24);
  for (auto [R, D] : {std::pair<int64_t, int64_t>{1, 1}, {4, 5}, {6, 2}}) {
    Tensor x = random_tensor({R, D}, rng), s = random_tensor({R}, rng);
    auto ref = [=](const std::vector<Vec>& t) {
      Vec y(static_cast<size_t>(R * D));
      for (int64_t r = 0; r < R; ++r)
        for (int64_t c = 0; c < D; ++c) y[r * D + c] = t[0][r * D + c] * t[1][r];
      return y;
    };
    auto op = [](const auto& t) { return ops::scale_rows(t[0], t[1]); };
    check_gradients({x, s}, {true, true}, op, ref);
    check_gradients({x, s}, {false, true}, op, ref);
    check_gradients({x, s}, {true, false}, op, ref);
  }
}

TEST(RowOps, RowDotValuesAndGradients) {
  Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6}),
         b = Tensor::from_vector({2, 3}, {1, 0, -1, 2, 2, 2});
  EXPECT_EQ(vals(ops::row_dot(a, b)), (std::vector<float>{-2, 30}));
  const std::string e = error_of([&] { ops::row_dot(a, Tensor::zeros({2, 2})); });
  EXPECT_NE(e.find("row_dot"), std::string::npos) << e;
  Rng rng(29);
  for (auto [R, D] : {std::pair<int64_t, int64_t>{1, 1}, {4, 5}, {6, 2}}) {
    auto ref = [=](const std::vector<Vec>& t) {
      Vec y(static_cast<size_t>(R), 0.0);
      for (int64_t r = 0; r < R; ++r)
        for (int64_t c = 0; c < D; ++c) y[r] += t[0][r * D + c] * t[1][r * D + c];
      return y;
    };
    auto op = [](const auto& t) { return ops::row_dot(t[0], t[1]); };
    Tensor x = random_tensor({R, D}, rng), y = random_tensor({R, D}, rng);
    check_gradients({x, y}, {true, true}, op, ref);
    check_gradients({x, y}, {false, true}, op, ref);
  }
}

// ---- act_derivative
// --------------------------------------------------------------------------------

TEST(RowOps, ActDerivativeValues) {
  Tensor y = Tensor::from_vector({4}, {-0.5f, 0.0f, 0.25f, 0.75f});
  EXPECT_EQ(vals(ops::act_derivative(y, ops::Act::None)), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(vals(ops::act_derivative(y, ops::Act::ReLU)), (std::vector<float>{0, 0, 1, 1}));
  EXPECT_EQ(vals(ops::act_derivative(y, ops::Act::LeakyReLU, 0.2f)),
            (std::vector<float>{0.2f, 0.2f, 1, 1}));
  EXPECT_EQ(vals(ops::act_derivative(y, ops::Act::Sigmoid)),
            (std::vector<float>{-0.75f, 0.0f, 0.1875f, 0.1875f}));
  EXPECT_EQ(vals(ops::act_derivative(y, ops::Act::Tanh)),
            (std::vector<float>{0.75f, 1.0f, 0.9375f, 0.4375f}));
  EXPECT_NE(error_of([&] { ops::act_derivative(y, ops::Act::Softplus); }).find("softplus"),
            std::string::npos);
}

// act_derivative(act(x)) is exactly the gradient autograd computes for act at x.
TEST(RowOps, ActDerivativeMatchesActivationGradient) {
  Rng rng(25);
  Tensor x0 = away_from_zero(random_tensor({4, 9}, rng, -3.0, 3.0));
  for (ops::Act a :
       {ops::Act::None, ops::Act::ReLU, ops::Act::LeakyReLU, ops::Act::Sigmoid, ops::Act::Tanh}) {
    Tensor x = x0.clone().set_requires_grad(true);
    Tensor y = ops::activation(x, a, 0.1f);
    ops::sum(y).backward();
    Tensor d = ops::act_derivative(y.detach(), a, 0.1f);
    const auto g = vals(x.grad()), dv = vals(d);
    for (size_t i = 0; i < g.size(); ++i)
      EXPECT_NEAR(dv[i], g[i], 1e-6) << ops::act_name(a) << " element " << i;
  }
}

TEST(RowOps, ActDerivativeGradients) {
  Rng rng(26);
  // Sigmoid and Tanh: d/dy of y(1-y) and 1-y^2, on outputs in the activations' ranges.
  Tensor ys = random_tensor({3, 5}, rng, 0.01, 0.99), yt = random_tensor({3, 5}, rng, -0.99, 0.99);
  check_gradients(
      {ys}, {true}, [](const auto& t) { return ops::act_derivative(t[0], ops::Act::Sigmoid); },
      [](const std::vector<Vec>& t) {
        Vec d(t[0].size());
        for (size_t i = 0; i < d.size(); ++i) d[i] = t[0][i] * (1 - t[0][i]);
        return d;
      });
  check_gradients(
      {yt}, {true}, [](const auto& t) { return ops::act_derivative(t[0], ops::Act::Tanh); },
      [](const std::vector<Vec>& t) {
        Vec d(t[0].size());
        for (size_t i = 0; i < d.size(); ++i) d[i] = 1 - t[0][i] * t[0][i];
        return d;
      });
  // Composed with the activation: the second derivative w.r.t. the pre-activation.
  Tensor x = random_tensor({4, 3}, rng, -3.0, 3.0);
  check_gradients(
      {x}, {true},
      [](const auto& t) { return ops::act_derivative(ops::sigmoid(t[0]), ops::Act::Sigmoid); },
      [](const std::vector<Vec>& t) {
        Vec d(t[0].size());
        for (size_t i = 0; i < d.size(); ++i) {
          const double s = 1 / (1 + std::exp(-t[0][i]));
          d[i] = s * (1 - s);
        }
        return d;
      });
  check_gradients(
      {x}, {true},
      [](const auto& t) { return ops::act_derivative(ops::tanh(t[0]), ops::Act::Tanh); },
      [](const std::vector<Vec>& t) {
        Vec d(t[0].size());
        for (size_t i = 0; i < d.size(); ++i) d[i] = 1 - std::tanh(t[0][i]) * std::tanh(t[0][i]);
        return d;
      });
  // Piecewise-linear kinds: the derivative is constant, the output takes no gradient.
  Tensor y = random_tensor({2, 3}, rng).set_requires_grad(true);
  for (ops::Act a : {ops::Act::None, ops::Act::ReLU, ops::Act::LeakyReLU})
    EXPECT_FALSE(ops::act_derivative(y, a).requires_grad()) << ops::act_name(a);
  EXPECT_TRUE(ops::act_derivative(y, ops::Act::Tanh).requires_grad());
}

// ---- slice_cols
// --------------------------------------------------------------------------------------

TEST(RowOps, SliceColsValuesAndErrors) {
  Tensor x = Tensor::from_vector({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor y = ops::slice_cols(x, 1, 2);
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals(y), (std::vector<float>{2, 3, 6, 7}));
  EXPECT_EQ(vals(ops::slice_cols(x, 0, 4)), vals(x));
  EXPECT_EQ(vals(ops::slice_cols(x, 3, 1)), (std::vector<float>{4, 8}));
  for (auto [start, len] : {std::pair<int64_t, int64_t>{-1, 2}, {3, 2}, {0, 5}, {5, 0}, {1, -1}}) {
    const std::string e = error_of([&] { ops::slice_cols(x, start, len); });
    EXPECT_NE(e.find("slice_cols"), std::string::npos) << e;
    EXPECT_NE(e.find("[2, 4]"), std::string::npos) << e;
  }
  EXPECT_NE(error_of([] { ops::slice_cols(Tensor::zeros({4}), 0, 1); }).find("[4]"),
            std::string::npos);
}

TEST(RowOps, SliceColsGradient) {
  Rng rng(27);
  Tensor x = random_tensor({3, 7}, rng);
  for (auto [start, len] : {std::pair<int64_t, int64_t>{0, 7}, {2, 3}, {6, 1}, {0, 1}}) {
    check_gradients(
        {x}, {true}, [=](const auto& t) { return ops::slice_cols(t[0], start, len); },
        [=](const std::vector<Vec>& t) {
          Vec y(static_cast<size_t>(3 * len));
          for (int64_t r = 0; r < 3; ++r)
            for (int64_t j = 0; j < len; ++j) y[r * len + j] = t[0][r * 7 + start + j];
          return y;
        });
  }
}

// The adjoint of slice_cols (slice_cols's backward is written with it, and its own with
// slice_cols).
TEST(RowOps, PadColsValuesGradientsAndErrors) {
  Tensor x = Tensor::from_vector({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(vals(ops::pad_cols(x, 4, 1)), (std::vector<float>{0, 1, 2, 0, 0, 3, 4, 0}));
  EXPECT_EQ(vals(ops::pad_cols(x, 2, 0)), vals(x));
  for (auto [cols, start] : {std::pair<int64_t, int64_t>{1, 0}, {4, 3}, {4, -1}}) {
    const std::string e = error_of([&] { ops::pad_cols(x, cols, start); });
    EXPECT_NE(e.find("pad_cols"), std::string::npos) << e;
    EXPECT_NE(e.find("[2, 2]"), std::string::npos) << e;
  }
  Rng rng(30);
  for (auto [start, len] : {std::pair<int64_t, int64_t>{0, 7}, {2, 3}, {6, 1}}) {
    check_gradients(
        {random_tensor({3, len}, rng)}, {true},
        [=](const auto& t) { return ops::pad_cols(t[0], 7, start); },
        [=](const std::vector<Vec>& t) {
          Vec y(static_cast<size_t>(3 * 7), 0.0);
          for (int64_t r = 0; r < 3; ++r)
            for (int64_t j = 0; j < len; ++j) y[r * 7 + start + j] = t[0][r * len + j];
          return y;
        });
  }
}

// ---- randn
// -------------------------------------------------------------------------------------------

TEST(RowOps, RandnStatisticsAndDeterminism) {
  const int64_t n = 100000;
  Tensor z = ops::randn({n}, Device::cpu(), 42);
  EXPECT_FALSE(z.requires_grad());
  const auto v = vals(z);
  double s = 0, s2 = 0;
  int64_t tail = 0;
  for (float f : v) {
    ASSERT_TRUE(std::isfinite(f));
    s += f;
    s2 += double(f) * f;
    tail += std::fabs(f) > 1.959964f;
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.015);               // standard error 0.0032
  EXPECT_NEAR(var, 1.0, 0.025);                // standard error 0.0045
  EXPECT_NEAR(double(tail) / n, 0.05, 0.004);  // normal, not just unit-variance
  EXPECT_EQ(vals(ops::randn({n}, Device::cpu(), 42)), v);
  const auto other = vals(ops::randn({n}, Device::cpu(), 43));
  int64_t same = 0;
  for (int64_t i = 0; i < n; ++i) same += other[i] == v[i];
  EXPECT_LT(same, 10);
  // Element i depends on (seed, i) only, not on the shape.
  const auto small = vals(ops::randn({2, 5}, Device::cpu(), 42));
  EXPECT_EQ(small, std::vector<float>(v.begin(), v.begin() + 10));
  EXPECT_EQ(ops::randn({0, 3}, Device::cpu(), 1).numel(), 0);
}

// ---- corrupt
// -----------------------------------------------------------------------------------------

Tensor uniform_data(int64_t n, uint64_t seed, double lo, double hi) {
  Rng rng(seed);
  return random_tensor({n / 100, 100}, rng, lo, hi);
}

TEST(RowOps, CorruptMask) {
  const int64_t n = 100000;
  Tensor x = uniform_data(n, 31, 0.1, 0.9).set_requires_grad(true);
  Tensor y = ops::corrupt(x, ops::Noise::Mask, 0.25f, 7);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_EQ(y.shape(), x.shape());
  const auto xv = vals(x), yv = vals(y);
  int64_t zeros = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (yv[i] == 0.0f)
      ++zeros;
    else
      EXPECT_EQ(yv[i], xv[i]) << i;
  }
  EXPECT_NEAR(double(zeros) / n, 0.25, 0.006);
  EXPECT_EQ(vals(ops::corrupt(x, ops::Noise::Mask, 0.25f, 7)), yv);  // deterministic
  EXPECT_NE(vals(ops::corrupt(x, ops::Noise::Mask, 0.25f, 8)), yv);
  EXPECT_EQ(vals(ops::corrupt(x, ops::Noise::Mask, 0.0f, 7)), xv);
  EXPECT_EQ(vals(ops::corrupt(x, ops::Noise::Mask, 1.0f, 7)), std::vector<float>(n, 0.0f));
}

TEST(RowOps, CorruptSaltPepper) {
  const int64_t n = 100000;
  Tensor x = uniform_data(n, 32, 0.1, 0.9);
  const auto xv = vals(x), yv = vals(ops::corrupt(x, ops::Noise::SaltPepper, 0.1f, 9));
  int64_t salt = 0, pepper = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (yv[i] == 1.0f)
      ++salt;
    else if (yv[i] == 0.0f)
      ++pepper;
    else
      EXPECT_EQ(yv[i], xv[i]) << i;
  }
  EXPECT_NEAR(double(salt + pepper) / n, 0.1, 0.004);
  EXPECT_NEAR(double(salt) / double(salt + pepper), 0.5, 0.03);
}

TEST(RowOps, CorruptGaussian) {
  const int64_t n = 100000;
  Tensor x = uniform_data(n, 33, -1.0, 2.0);
  const auto xv = vals(x), yv = vals(ops::corrupt(x, ops::Noise::Gaussian, 0.3f, 11));
  const auto z = vals(ops::randn(x.shape(), Device::cpu(), 11));
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double r = double(yv[i]) - xv[i];
    s += r;
    s2 += r * r;
    ASSERT_NEAR(yv[i], xv[i] + 0.3f * z[i], 1e-6) << i;  // x + sigma * randn(seed)
  }
  const double mean = s / n;
  EXPECT_NEAR(mean, 0.0, 0.005);
  EXPECT_NEAR(std::sqrt(s2 / n - mean * mean), 0.3, 0.006);

  // clip01: every value in [0, 1]; values that left the interval sit exactly on its ends.
  const auto c = vals(ops::corrupt(x, ops::Noise::Gaussian, 0.3f, 11, true));
  int64_t outside = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GE(c[i], 0.0f);
    ASSERT_LE(c[i], 1.0f);
    outside += yv[i] < 0.0f || yv[i] > 1.0f;
    EXPECT_EQ(c[i], std::clamp(yv[i], 0.0f, 1.0f)) << i;
  }
  EXPECT_GT(outside, n / 10);  // the clamp had work to do
  EXPECT_EQ(vals(ops::corrupt(x, ops::Noise::Gaussian, 0.0f, 11)), xv);
}

TEST(RowOps, CorruptRejectsBadParameters) {
  Tensor x = Tensor::zeros({2, 3});
  for (auto [kind, p] : {std::pair<ops::Noise, float>{ops::Noise::Mask, 1.5f},
                         {ops::Noise::SaltPepper, -0.1f},
                         {ops::Noise::Gaussian, -1.0f},
                         {ops::Noise::Gaussian, NAN},
                         {ops::Noise::Mask, INFINITY}})
    EXPECT_NE(error_of([&] { ops::corrupt(x, kind, p, 1); }).find("corrupt"), std::string::npos)
        << ops::noise_name(kind) << " " << p;
}

// ---- parse_noise
// -------------------------------------------------------------------------------------

TEST(RowOps, ParseNoise) {
  float p = -1;
  EXPECT_EQ(ops::parse_noise("gaussian:0.3", &p), ops::Noise::Gaussian);
  EXPECT_FLOAT_EQ(p, 0.3f);
  EXPECT_EQ(ops::parse_noise("saltpepper:0.1", &p), ops::Noise::SaltPepper);
  EXPECT_FLOAT_EQ(p, 0.1f);
  EXPECT_EQ(ops::parse_noise("mask:0.25", &p), ops::Noise::Mask);
  EXPECT_FLOAT_EQ(p, 0.25f);
  EXPECT_EQ(ops::parse_noise("mask:1", &p), ops::Noise::Mask);
  EXPECT_FLOAT_EQ(p, 1.0f);
  EXPECT_EQ(ops::parse_noise("gaussian:0", &p), ops::Noise::Gaussian);
  EXPECT_FLOAT_EQ(p, 0.0f);
  for (ops::Noise k : {ops::Noise::Gaussian, ops::Noise::SaltPepper, ops::Noise::Mask})
    EXPECT_EQ(ops::parse_noise(ops::noise_name(k) + ":0.5", &p), k);

  for (const std::string bad :
       {"", "gaussian", "gaussian:", "gauss:0.3", "Gaussian:0.3", "gaussian:abc", "gaussian:0.3x",
        "gaussian: 0.3", "gaussian:-0.1", "mask:1.5", "saltpepper:-0.01", "mask:nan",
        "gaussian:inf", "mask:0.1:0.2", "gaussian:1e39"}) {
    try {
      ops::parse_noise(bad, &p);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("'" + bad + "'"), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace hg::test
