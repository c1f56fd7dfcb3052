// Classification ops: softmax_cross_entropy, softmax and argmax_rows on the CPU. Forward values
// against double references on hand cases (including logits of +-1000, which overflow a naive
// exp), gradients against double-precision central differences (gradcheck.h), softmax rows
// summing to 1, argmax ties and NaNs, and the one-line errors.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/autograd/autograd.h"
#include "engine/util/error.h"
#include "gradcheck.h"

namespace hg::test {
namespace {

// Stable double references (the max is subtracted in double too).
Vec softmax_ref(const Vec& z, int64_t B, int64_t C) {
  Vec y(z.size());
  for (int64_t b = 0; b < B; ++b) {
    double m = -INFINITY;
    for (int64_t j = 0; j < C; ++j) m = std::max(m, z[b * C + j]);
    double s = 0;
    for (int64_t j = 0; j < C; ++j) s += std::exp(z[b * C + j] - m);
    for (int64_t j = 0; j < C; ++j) y[b * C + j] = std::exp(z[b * C + j] - m) / s;
  }
  return y;
}

double ce_ref(const Vec& z, const std::vector<int32_t>& labels, int64_t B, int64_t C) {
  double total = 0;
  for (int64_t b = 0; b < B; ++b) {
    double m = -INFINITY;
    for (int64_t j = 0; j < C; ++j) m = std::max(m, z[b * C + j]);
    double s = 0;
    for (int64_t j = 0; j < C; ++j) s += std::exp(z[b * C + j] - m);
    total += m + std::log(s) - z[b * C + labels[b]];
  }
  return total / static_cast<double>(B);
}

std::vector<int32_t> random_labels(int64_t B, int64_t C, Rng& rng) {
  std::vector<int32_t> l(static_cast<size_t>(B));
  for (int32_t& v : l)
    v = static_cast<int32_t>(std::min<double>(C - 1, std::floor(rng.uniform(0.0, double(C)))));
  return l;
}

// Runs f, expects hg::Error whose message is one line mentioning `op` and `what`.
template <class F>
void expect_error(F&& f, const std::string& op, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << "no error for " << what;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(op), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// ---- softmax_cross_entropy ----------------------------------------------------------------------

TEST(SoftmaxCrossEntropy, HandCases) {
  struct Case {
    int64_t B, C;
    std::vector<float> z;
    std::vector<int32_t> labels;
    double want;  // -1: compute with ce_ref
  };
  const double l3 = std::log(3.0);
  const std::vector<Case> cases = {
      {1, 2, {0, 0}, {1}, std::log(2.0)},
      {2, 3, {1, 2, 3, 1, 2, 3}, {2, 0}, -1},
      {1, 3, {5, 5, 5}, {1}, l3},
      // Logits that overflow (e^1000) or underflow (e^-1000) a naive softmax.
      {1, 3, {1000, -1000, 0}, {0}, 0.0},
      {1, 3, {1000, -1000, 0}, {1}, 2000.0},
      {1, 2, {1000, 999}, {1}, 1.0 + std::log1p(std::exp(-1.0))},
      {1, 3, {-1000, -1000, -1000}, {2}, l3},
      {2, 2, {-1000, 1000, 1000, 1000}, {0, 1}, (2000.0 + std::log(2.0)) / 2},
      {1, 1, {42}, {0}, 0.0},
  };
  for (const Case& c : cases) {
    const Tensor z = Tensor::from_vector({c.B, c.C}, c.z);
    const float got = ops::softmax_cross_entropy(z, c.labels).item();
    const double want =
        c.want >= 0 ? c.want : ce_ref(Vec(c.z.begin(), c.z.end()), c.labels, c.B, c.C);
    ASSERT_TRUE(std::isfinite(got)) << "case B=" << c.B << " z[0]=" << c.z[0];
    EXPECT_NEAR(got, want, 1e-6 * (1.0 + std::fabs(want)))
        << "case B=" << c.B << " z[0]=" << c.z[0];
  }
}

TEST(SoftmaxCrossEntropy, RandomMatchesDoubleReference) {
  for (auto [B, C] : {std::pair<int64_t, int64_t>{1, 2}, {7, 10}, {64, 1000}, {513, 3}}) {
    Rng rng(B * 7 + C);
    const Tensor z = random_tensor({B, C}, rng, -30.0, 30.0);
    const auto labels = random_labels(B, C, rng);
    const double want = ce_ref(to_double(z), labels, B, C);
    EXPECT_NEAR(ops::softmax_cross_entropy(z, labels).item(), want, 1e-5 * (1.0 + std::fabs(want)))
        << B << "x" << C;
  }
}

TEST(SoftmaxCrossEntropy, GradientMatchesFiniteDifferences) {
  for (auto [B, C] : {std::pair<int64_t, int64_t>{1, 2}, {2, 1}, {3, 5}, {4, 7}, {7, 10}}) {
    Rng rng(B * 31 + C);
    const Tensor z = random_tensor({B, C}, rng, -3.0, 3.0);
    const auto labels = random_labels(B, C, rng);
    check_gradients(
        {z}, {true},
        [labels](const std::vector<Tensor>& t) { return ops::softmax_cross_entropy(t[0], labels); },
        [=](const std::vector<Vec>& t) { return Vec{ce_ref(t[0], labels, B, C)}; });
  }
}

TEST(SoftmaxCrossEntropy, GradientWithHugeLogits) {
  // dL/dz = g (softmax - onehot) / B, finite although e^1000 is not.
  const std::vector<float> zv = {1000, 999, -1000, -1000, -1000, 1000};
  const std::vector<int32_t> labels = {1, 0};
  Tensor z = Tensor::from_vector({2, 3}, zv).set_requires_grad(true);
  ops::softmax_cross_entropy(z, labels).backward();
  const Vec zd(zv.begin(), zv.end());
  const Vec p = softmax_ref(zd, 2, 3);
  const auto g = z.grad().to_vector();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t j = 0; j < 3; ++j) {
      const double want = (p[b * 3 + j] - (j == labels[b] ? 1.0 : 0.0)) / 2.0;
      ASSERT_TRUE(std::isfinite(g[b * 3 + j]));
      EXPECT_NEAR(g[b * 3 + j], want, 1e-6) << b << "," << j;
    }
  // And through central differences of the stable double reference.
  check_gradients(
      {Tensor::from_vector({2, 3}, zv)}, {true},
      [labels](const std::vector<Tensor>& t) { return ops::softmax_cross_entropy(t[0], labels); },
      [labels](const std::vector<Vec>& t) { return Vec{ce_ref(t[0], labels, 2, 3)}; }, 1e-6);
}

TEST(SoftmaxCrossEntropy, GradientThroughLinearHead) {
  // The transfer-learning head: CE(linear(x, W, b)), gradients to x, W and b.
  const int64_t B = 5, D = 4, C = 3;
  Rng rng(5);
  const Tensor x = random_tensor({B, D}, rng), W = random_tensor({C, D}, rng),
               b = random_tensor({C}, rng);
  const auto labels = random_labels(B, C, rng);
  check_gradients(
      {x, W, b}, {true, true, true},
      [labels](const std::vector<Tensor>& t) {
        return ops::softmax_cross_entropy(ops::linear(t[0], t[1], t[2]), labels);
      },
      [=](const std::vector<Vec>& t) {
        Vec z(static_cast<size_t>(B * C));
        for (int64_t i = 0; i < B; ++i)
          for (int64_t o = 0; o < C; ++o) {
            double s = t[2][o];
            for (int64_t k = 0; k < D; ++k) s += t[0][i * D + k] * t[1][o * D + k];
            z[i * C + o] = s;
          }
        return Vec{ce_ref(z, labels, B, C)};
      });
}

TEST(SoftmaxCrossEntropy, ConsistentWithSoftmaxAndNotRecordedWithoutGrad) {
  Rng rng(9);
  const Tensor z = random_tensor({6, 4}, rng, -5, 5);
  const auto labels = random_labels(6, 4, rng);
  const auto p = ops::softmax(z).to_vector();
  double want = 0;
  for (int64_t b = 0; b < 6; ++b) want -= std::log(static_cast<double>(p[b * 4 + labels[b]]));
  want /= 6;
  const Tensor loss = ops::softmax_cross_entropy(z, labels);
  EXPECT_EQ(loss.ndim(), 0);
  EXPECT_NEAR(loss.item(), want, 1e-5 * (1 + std::fabs(want)));
  EXPECT_FALSE(loss.requires_grad());
}

TEST(SoftmaxCrossEntropy, Errors) {
  const Tensor z = Tensor::zeros({3, 4});
  const char* op = "softmax_cross_entropy";
  expect_error([&] { ops::softmax_cross_entropy(z, {0, 1, 4}); }, op, "label 4 of row 2");
  expect_error([&] { ops::softmax_cross_entropy(z, {0, -1, 2}); }, op, "label -1 of row 1");
  expect_error([&] { ops::softmax_cross_entropy(z, {0, 1}); }, op, "2 labels for logits [3, 4]");
  expect_error([&] { ops::softmax_cross_entropy(z, {0, 1, 2, 3}); }, op, "4 labels");
  expect_error([&] { ops::softmax_cross_entropy(Tensor::zeros({0, 4}), {}); }, op, "empty batch");
  expect_error(
      [&] {
        ops::softmax_cross_entropy(Tensor::zeros({2, 0}), {0, 0});
      },
      op, "no classes");
  expect_error([&] { ops::softmax_cross_entropy(Tensor::zeros({4}), {0, 0, 0, 0}); }, op, "2-D");
  expect_error([&] { ops::softmax_cross_entropy(Tensor(), {0}); }, op, "undefined");
}

// ---- softmax
// --------------------------------------------------------------------------------------

TEST(Softmax, RowsSumToOneAndMatchReference) {
  for (auto [B, C, lo, hi] : {std::tuple<int64_t, int64_t, double, double>{1, 1, -1, 1},
                              {3, 5, -3, 3},
                              {17, 1000, -20, 20},
                              {4, 3, -1000, 1000}}) {
    Rng rng(B + C);
    const Tensor z = random_tensor({B, C}, rng, lo, hi);
    const auto y = ops::softmax(z).to_vector();
    const Vec want = softmax_ref(to_double(z), B, C);
    for (int64_t b = 0; b < B; ++b) {
      double s = 0;
      for (int64_t j = 0; j < C; ++j) {
        const double v = y[b * C + j];
        ASSERT_TRUE(std::isfinite(v));
        EXPECT_NEAR(v, want[b * C + j], 1e-6 * (want[b * C + j] + 1e-30) + 1e-12);
        s += v;
      }
      EXPECT_NEAR(s, 1.0, 1e-6) << "row " << b << " of " << B << "x" << C;
    }
  }
  const auto big = ops::softmax(Tensor::from_vector({2, 2}, {1000, -1000, 1000, 1000})).to_vector();
  EXPECT_EQ(big, (std::vector<float>{1, 0, 0.5f, 0.5f}));
}

TEST(Softmax, GradientMatchesFiniteDifferences) {
  for (auto [B, C] : {std::pair<int64_t, int64_t>{1, 1}, {1, 2}, {3, 5}, {6, 9}}) {
    Rng rng(B * 13 + C);
    const Tensor z = random_tensor({B, C}, rng, -3.0, 3.0);
    check_gradients(
        {z}, {true}, [](const std::vector<Tensor>& t) { return ops::softmax(t[0]); },
        [=](const std::vector<Vec>& t) { return softmax_ref(t[0], B, C); });
  }
}

TEST(Softmax, EmptyBatchAndErrors) {
  EXPECT_EQ(ops::softmax(Tensor::zeros({0, 5})).shape(), (Shape{0, 5}));
  expect_error([] { ops::softmax(Tensor::zeros({5})); }, "softmax", "2-D");
}

// ---- argmax_rows
// ----------------------------------------------------------------------------------

TEST(ArgmaxRows, HandCases) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x =
      Tensor::from_vector({6, 4}, {
                                      0.1f,     0.7f,    0.2f,    -1.0f,   // 1
                                      -3.0f,    -2.0f,   -5.0f,   -2.5f,   // 1 (all negative)
                                      2.0f,     5.0f,    5.0f,    1.0f,    // 1 (tie: first)
                                      7.0f,     7.0f,    7.0f,    7.0f,    // 0
                                      1.0f,     nan,     9.0f,    nan,     // 1 (first NaN)
                                      -1000.0f, -999.0f, 1000.0f, 999.0f,  // 2
                                  });
  EXPECT_EQ(ops::argmax_rows(x), (std::vector<int32_t>{1, 1, 1, 0, 1, 2}));
  EXPECT_EQ(ops::argmax_rows(Tensor::from_vector({3, 1}, {4, -4, 0})),
            (std::vector<int32_t>{0, 0, 0}));
  EXPECT_TRUE(ops::argmax_rows(Tensor::zeros({0, 3})).empty());
}

TEST(ArgmaxRows, RandomMatchesScanAndSoftmaxArgmax) {
  Rng rng(77);
  const int64_t B = 300, C = 37;
  const Tensor x = random_tensor({B, C}, rng, -4, 4);
  const auto got = ops::argmax_rows(x);
  const auto v = x.to_vector();
  ASSERT_EQ(got.size(), size_t(B));
  for (int64_t b = 0; b < B; ++b)
    EXPECT_EQ(got[b],
              std::max_element(v.begin() + b * C, v.begin() + (b + 1) * C) - (v.begin() + b * C));
  EXPECT_EQ(ops::argmax_rows(ops::softmax(x)), got);  // softmax is monotone per row
}

TEST(ArgmaxRows, Errors) {
  expect_error([] { ops::argmax_rows(Tensor::zeros({2, 0})); }, "argmax_rows", "no columns");
  expect_error([] { ops::argmax_rows(Tensor::zeros({2, 3, 4})); }, "argmax_rows", "2-D");
}

}  // namespace
}  // namespace hg::test
