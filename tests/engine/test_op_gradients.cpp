// Every differentiable op: forward against a double reference, gradient against double-precision
// central differences (see gradcheck.h).
#include <algorithm>

#include "engine/autograd/autograd.h"
#include "gradcheck.h"

namespace hg::test {
namespace {

double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double ref_act(ops::Act a, double x, double alpha = 0.01) {
  return kernels::act_ref(a, x, alpha);  // the row's formula in double
}

// Keeps inputs away from the kinks of relu/leaky_relu so finite differences are meaningful.
Tensor away_from_zero(Tensor t) {
  float* d = t.data();
  for (int64_t i = 0; i < t.numel(); ++i)
    if (std::fabs(d[i]) < 0.05f) d[i] = d[i] < 0 ? -0.05f - d[i] : 0.05f + d[i];
  return t;
}

Vec linear_ref(const Vec& x, const Vec& W, const Vec* b, int64_t B, int64_t in, int64_t out,
               ops::Act act) {
  Vec y(static_cast<size_t>(B * out));
  for (int64_t i = 0; i < B; ++i)
    for (int64_t o = 0; o < out; ++o) {
      double s = b ? (*b)[o] : 0.0;
      for (int64_t k = 0; k < in; ++k) s += x[i * in + k] * W[o * in + k];
      y[i * out + o] = ref_act(act, s);
    }
  return y;
}

class LinearGrad : public ::testing::TestWithParam<ops::Act> {};

TEST_P(LinearGrad, MatchesFiniteDifferences) {
  const ops::Act act = GetParam();
  for (auto [B, in, out] :
       {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {3, 5, 4}, {7, 33, 9}}) {
    Rng rng(B * 100 + in);
    Tensor x = random_tensor({B, in}, rng), W = random_tensor({out, in}, rng),
           b = random_tensor({out}, rng);
    // Pre-activations near 0 make relu's kink a finite-difference hazard: nudge the bias.
    check_gradients(
        {x, W, b}, {true, true, true},
        [act](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2], act); },
        [=](const std::vector<Vec>& t) { return linear_ref(t[0], t[1], &t[2], B, in, out, act); },
        1e-5, (act == ops::Act::ReLU || act == ops::Act::LeakyReLU) ? 5e-3 : 2e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(Acts, LinearGrad,
                         ::testing::Values(ops::Act::None, ops::Act::Sigmoid, ops::Act::Tanh));

TEST(OpGradients, LinearWithoutBias) {
  Rng rng(3);
  Tensor x = random_tensor({4, 6}, rng), W = random_tensor({3, 6}, rng);
  check_gradients(
      {x, W}, {true, true},
      [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], Tensor()); },
      [](const std::vector<Vec>& t) {
        return linear_ref(t[0], t[1], nullptr, 4, 6, 3, ops::Act::None);
      });
}

TEST(OpGradients, LinearReluFused) {
  // Relu-fused linear with inputs chosen so no pre-activation sits near the kink.
  Rng rng(11);
  Tensor x = random_tensor({5, 4}, rng), W = random_tensor({3, 4}, rng),
         b = random_tensor({3}, rng);
  for (ops::Act act : {ops::Act::ReLU, ops::Act::LeakyReLU}) {
    Tensor pre = ops::linear(x, W, b);
    bool safe = true;
    for (float v : pre.to_vector()) safe = safe && std::fabs(v) > 1e-3f;
    ASSERT_TRUE(safe) << "pick another seed: a pre-activation is at the kink";
    check_gradients(
        {x, W, b}, {true, true, true},
        [act](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2], act); },
        [act](const std::vector<Vec>& t) { return linear_ref(t[0], t[1], &t[2], 5, 4, 3, act); });
  }
}

TEST(OpGradients, Matmul) {
  Rng rng(5);
  for (auto [M, K, N] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {3, 7, 2}, {9, 4, 11}}) {
    Tensor a = random_tensor({M, K}, rng), b = random_tensor({K, N}, rng);
    check_gradients(
        {a, b}, {true, true}, [](const std::vector<Tensor>& t) { return ops::matmul(t[0], t[1]); },
        [=](const std::vector<Vec>& t) {
          Vec c(static_cast<size_t>(M * N));
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j)
              for (int64_t k = 0; k < K; ++k) c[i * N + j] += t[0][i * K + k] * t[1][k * N + j];
          return c;
        });
  }
}

template <class F>
Vec map2(const Vec& a, const Vec& b, F f) {
  Vec y(a.size());
  for (size_t i = 0; i < a.size(); ++i) y[i] = f(a[i], b[i]);
  return y;
}
template <class F>
Vec map1(const Vec& a, F f) {
  Vec y(a.size());
  for (size_t i = 0; i < a.size(); ++i) y[i] = f(a[i]);
  return y;
}

TEST(OpGradients, AddSubMul) {
  Rng rng(8);
  Tensor a = random_tensor({3, 5}, rng), b = random_tensor({3, 5}, rng);
  check_gradients(
      {a, b}, {true, true}, [](const auto& t) { return ops::add(t[0], t[1]); },
      [](const std::vector<Vec>& t) {
        return map2(t[0], t[1], [](double x, double y) { return x + y; });
      });
  check_gradients(
      {a, b}, {true, true}, [](const auto& t) { return ops::sub(t[0], t[1]); },
      [](const std::vector<Vec>& t) {
        return map2(t[0], t[1], [](double x, double y) { return x - y; });
      });
  check_gradients(
      {a, b}, {true, true}, [](const auto& t) { return ops::mul(t[0], t[1]); },
      [](const std::vector<Vec>& t) {
        return map2(t[0], t[1], [](double x, double y) { return x * y; });
      });
  check_gradients(
      {a}, {true}, [](const auto& t) { return ops::add_scalar(t[0], 2.5f); },
      [](const std::vector<Vec>& t) { return map1(t[0], [](double x) { return x + 2.5; }); });
  check_gradients(
      {a}, {true}, [](const auto& t) { return ops::mul_scalar(t[0], -1.5f); },
      [](const std::vector<Vec>& t) { return map1(t[0], [](double x) { return -1.5 * x; }); });
}

TEST(OpGradients, ExpLog) {
  Rng rng(9);
  Tensor a = random_tensor({4, 3}, rng), p = random_tensor({4, 3}, rng, 0.2, 2.0);
  check_gradients(
      {a}, {true}, [](const auto& t) { return ops::exp(t[0]); },
      [](const std::vector<Vec>& t) { return map1(t[0], [](double x) { return std::exp(x); }); });
  check_gradients(
      {p}, {true}, [](const auto& t) { return ops::log(t[0]); },
      [](const std::vector<Vec>& t) { return map1(t[0], [](double x) { return std::log(x); }); });
}

class ActivationGrad : public ::testing::TestWithParam<ops::Act> {};

TEST_P(ActivationGrad, MatchesFiniteDifferences) {
  const ops::Act act = GetParam();
  Rng rng(10);
  Tensor x = away_from_zero(random_tensor({6, 7}, rng, -4.0, 4.0));
  check_gradients(
      {x}, {true}, [act](const auto& t) { return ops::activation(t[0], act, 0.1f); },
      [act](const std::vector<Vec>& t) {
        return map1(t[0], [act](double v) { return ref_act(act, v, 0.1); });
      });
}

INSTANTIATE_TEST_SUITE_P(Acts, ActivationGrad, ::testing::ValuesIn(kernels::kActivations));

TEST(OpGradients, Reductions) {
  Rng rng(12);
  Tensor x = random_tensor({5, 4}, rng);
  check_gradients(
      {x}, {true}, [](const auto& t) { return ops::sum(t[0]); },
      [](const std::vector<Vec>& t) {
        double s = 0;
        for (double v : t[0]) s += v;
        return Vec{s};
      });
  check_gradients(
      {x}, {true}, [](const auto& t) { return ops::mean(t[0]); },
      [](const std::vector<Vec>& t) {
        double s = 0;
        for (double v : t[0]) s += v;
        return Vec{s / 20.0};
      });
  check_gradients(
      {x}, {true}, [](const auto& t) { return ops::sum_rows(t[0]); },
      [](const std::vector<Vec>& t) {
        Vec r(5, 0.0);
        for (int i = 0; i < 5; ++i)
          for (int j = 0; j < 4; ++j) r[i] += t[0][i * 4 + j];
        return r;
      });
  check_gradients(
      {x}, {true}, [](const auto& t) { return ops::mean_rows(t[0]); },
      [](const std::vector<Vec>& t) {
        Vec r(5, 0.0);
        for (int i = 0; i < 5; ++i)
          for (int j = 0; j < 4; ++j) r[i] += t[0][i * 4 + j] / 4.0;
        return r;
      });
}

TEST(OpGradients, Reshape) {
  Rng rng(13);
  Tensor x = random_tensor({2, 6}, rng);
  check_gradients(
      {x}, {true},
      [](const auto& t) {
        return ops::exp(ops::reshape(t[0], {3, -1}));
      },
      [](const std::vector<Vec>& t) { return map1(t[0], [](double v) { return std::exp(v); }); });
}

TEST(OpGradients, Losses) {
  Rng rng(14);
  Tensor p = random_tensor({4, 5}, rng, 0.05, 0.95), t = random_tensor({4, 5}, rng, 0.0, 1.0),
         z = random_tensor({4, 5}, rng, -6.0, 6.0);
  check_gradients(
      {p, t}, {true, false}, [](const auto& a) { return ops::mse_loss(a[0], a[1]); },
      [](const std::vector<Vec>& a) {
        double s = 0;
        for (size_t i = 0; i < a[0].size(); ++i) s += (a[0][i] - a[1][i]) * (a[0][i] - a[1][i]);
        return Vec{s / 20.0};
      });
  check_gradients(
      {p, t}, {true, false}, [](const auto& a) { return ops::bce_loss(a[0], a[1]); },
      [](const std::vector<Vec>& a) {
        double s = 0;
        for (size_t i = 0; i < a[0].size(); ++i)
          s -= a[1][i] * std::log(a[0][i]) + (1 - a[1][i]) * std::log(1 - a[0][i]);
        return Vec{s / 20.0};
      });
  check_gradients(
      {z, t}, {true, false}, [](const auto& a) { return ops::bce_with_logits(a[0], a[1]); },
      [](const std::vector<Vec>& a) {
        double s = 0;
        for (size_t i = 0; i < a[0].size(); ++i) {
          const double q = sigm(a[0][i]);
          s -= a[1][i] * std::log(q) + (1 - a[1][i]) * std::log(1 - q);
        }
        return Vec{s / 20.0};
      });
}

TEST(OpGradients, ReconErrorRows) {
  Rng rng(15);
  Tensor x = random_tensor({3, 6}, rng, 0.0, 1.0), r = random_tensor({3, 6}, rng, 0.05, 0.95);
  for (auto kind : {ops::ReconKind::MSE, ops::ReconKind::BCE, ops::ReconKind::BCELogits}) {
    check_gradients(
        {x, r}, {false, true},
        [kind](const auto& a) { return ops::recon_error(a[0], a[1], kind).row; },
        [kind](const std::vector<Vec>& a) {
          Vec row(3, 0.0);
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 6; ++j) {
              const double xv = a[0][i * 6 + j], rv = a[1][i * 6 + j];
              double e;
              if (kind == ops::ReconKind::MSE)
                e = (rv - xv) * (rv - xv);
              else {
                const double q = kind == ops::ReconKind::BCE ? rv : sigm(rv);
                e = -(xv * std::log(q) + (1 - xv) * std::log(1 - q));
              }
              row[i] += e / 6.0;
            }
          return row;
        });
  }
}

TEST(OpGradients, ReconErrorPerFeatureMatchesRows) {
  Rng rng(16);
  Tensor x = random_tensor({4, 5}, rng, 0, 1), r = random_tensor({4, 5}, rng, 0, 1);
  auto out = ops::recon_error(x, r, ops::ReconKind::MSE, true);
  ASSERT_TRUE(out.feat.defined());
  auto f = out.feat.to_vector(), row = out.row.to_vector(), xv = x.to_vector(), rv = r.to_vector();
  for (int i = 0; i < 4; ++i) {
    double s = 0;
    for (int j = 0; j < 5; ++j) {
      EXPECT_NEAR(f[i * 5 + j], (rv[i * 5 + j] - xv[i * 5 + j]) * (rv[i * 5 + j] - xv[i * 5 + j]),
                  1e-6);
      s += f[i * 5 + j];
    }
    EXPECT_NEAR(row[i], s / 5, 1e-6);
  }
}

}  // namespace
}  // namespace hg::test
