// Losses vs double loops, backward passes vs double-precision finite differences, the fused
// recon_error vs a naive loop, and SGD/Adam against hand-computed values (PyTorch semantics).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/loss.h"
#include "kernels/cpu/optim.h"

namespace hg::kernels::cpu {
namespace {

std::vector<float> uni(int64_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

// Elementwise terms in double: e(target t, prediction p).
double e_mse(double t, double p) { return (p - t) * (p - t); }
double e_bce(double t, double p) {
  const double eps = kBceEps;
  p = std::min(std::max(p, eps), 1.0 - eps);
  return -(t * std::log(p) + (1 - t) * std::log(1 - p));
}
double e_bcel(double t, double z) {
  return std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
}
double fd(double (*e)(double, double), double t, double p) {
  const double h = 1e-5;
  return (e(t, p + h) - e(t, p - h)) / (2 * h);
}

TEST(Loss, ForwardMatchesDoubleLoop) {
  const int64_t n = 50001;
  auto p = uni(n, 1, 0.001f, 0.999f), t = uni(n, 2, 0.0f, 1.0f), z = uni(n, 3, -8.0f, 8.0f);
  double m = 0, b = 0, l = 0;
  for (int64_t i = 0; i < n; ++i) {
    m += e_mse(t[i], p[i]);
    b += e_bce(t[i], p[i]);
    l += e_bcel(t[i], z[i]);
  }
  EXPECT_NEAR(mse_forward(p.data(), t.data(), n), m / n, 1e-7);
  EXPECT_NEAR(bce_forward(p.data(), t.data(), n), b / n, 1e-6);
  EXPECT_NEAR(bce_logits_forward(z.data(), t.data(), n), l / n, 1e-6);
  // A hand-checked value: mean((0.5-1)^2, (0-0)^2) = 0.125.
  const float pp[2] = {0.5f, 0.0f}, tt[2] = {1.0f, 0.0f};
  EXPECT_DOUBLE_EQ(mse_forward(pp, tt, 2), 0.125);
}

TEST(Loss, BackwardMatchesFiniteDifferences) {
  const int64_t n = 3001;
  const float g = 1.7f;
  auto p = uni(n, 4, 0.02f, 0.98f), t = uni(n, 5, 0.0f, 1.0f), z = uni(n, 6, -8.0f, 8.0f);
  std::vector<float> d(n);
  mse_backward(p.data(), t.data(), g, d.data(), n);
  for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(d[i], g * fd(e_mse, t[i], p[i]) / n, 1e-8);
  bce_backward(p.data(), t.data(), g, d.data(), n);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_NEAR(d[i], g * fd(e_bce, t[i], p[i]) / n, 1e-4 * std::fabs(d[i]) + 1e-8);
  bce_logits_backward(z.data(), t.data(), g, d.data(), n);
  for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(d[i], g * fd(e_bcel, t[i], z[i]) / n, 1e-8);
}

TEST(Loss, BceClampAndLogitStability) {
  const float p[3] = {0.0f, 1.0f, 0.5f}, t[3] = {1.0f, 0.0f, 1.0f};
  const double l = bce_forward(p, t, 3);
  EXPECT_TRUE(std::isfinite(l));
  // p = 0 clamps to eps; p = 1 clamps to the float nearest 1 - eps (1 - 1.19e-7).
  const double hi = 1.0f - kBceEps;
  EXPECT_NEAR(l, (-std::log(double(kBceEps)) - std::log(1.0 - hi) + std::log(2.0)) / 3, 1e-4);
  float d[3];
  bce_backward(p, t, 1.0f, d, 3);
  EXPECT_EQ(d[0], 0.0f);  // clamped: zero gradient
  EXPECT_EQ(d[1], 0.0f);
  EXPECT_FLOAT_EQ(d[2], -2.0f / 3.0f);  // (0.5-1)/(0.25)/3
  const float z[2] = {-1000.0f, 1000.0f}, tz[2] = {1.0f, 0.0f};
  EXPECT_NEAR(bce_logits_forward(z, tz, 2), 1000.0, 1e-3);
  bce_logits_backward(z, tz, 1.0f, d, 2);
  EXPECT_FLOAT_EQ(d[0], -0.5f);
  EXPECT_FLOAT_EQ(d[1], 0.5f);
}

TEST(Loss, ReconErrorMatchesNaiveLoopAndFeatErr) {
  const int64_t R = 157, C = 300;
  auto x = uni(R * C, 7, 0.0f, 1.0f), r = uni(R * C, 8, 0.01f, 0.99f);
  auto zr = uni(R * C, 9, -6.0f, 6.0f);
  for (ReconKind k : {ReconKind::MSE, ReconKind::BCE, ReconKind::BCELogits}) {
    const auto& rr = k == ReconKind::BCELogits ? zr : r;
    double (*e)(double, double) = k == ReconKind::MSE   ? e_mse
                                  : k == ReconKind::BCE ? e_bce
                                                        : e_bcel;
    std::vector<float> row(R), row2(R), feat(R * C);
    recon_error(k, x.data(), rr.data(), row.data(), feat.data(), R, C);
    recon_error(k, x.data(), rr.data(), row2.data(), nullptr, R, C);
    EXPECT_EQ(row, row2);
    for (int64_t i = 0; i < R; ++i) {
      double s = 0;
      for (int64_t j = 0; j < C; ++j) {
        const double v = e(x[i * C + j], rr[i * C + j]);
        s += v;
        ASSERT_NEAR(feat[i * C + j], v, 1e-5 * (1 + v)) << int(k);
      }
      ASSERT_NEAR(row[i], s / C, 1e-6 * (1 + s / C)) << int(k) << " row " << i;
    }
  }
}

TEST(Loss, ReconErrorBackwardMatchesFiniteDifferences) {
  const int64_t R = 40, C = 77;
  auto x = uni(R * C, 10, 0.0f, 1.0f), r = uni(R * C, 11, 0.02f, 0.98f);
  auto zr = uni(R * C, 12, -6.0f, 6.0f), g = uni(R, 13, -2.0f, 2.0f);
  for (ReconKind k : {ReconKind::MSE, ReconKind::BCE, ReconKind::BCELogits}) {
    const auto& rr = k == ReconKind::BCELogits ? zr : r;
    double (*e)(double, double) = k == ReconKind::MSE   ? e_mse
                                  : k == ReconKind::BCE ? e_bce
                                                        : e_bcel;
    std::vector<float> dr(R * C);
    recon_error_backward(k, x.data(), rr.data(), g.data(), dr.data(), R, C);
    for (int64_t i = 0; i < R; ++i)
      for (int64_t j = 0; j < C; ++j) {
        const double want = g[i] * fd(e, x[i * C + j], rr[i * C + j]) / C;
        ASSERT_NEAR(dr[i * C + j], want, 1e-4 * std::fabs(want) + 1e-7) << int(k);
      }
  }
}

TEST(Optim, SgdMomentumByHand) {
  // lr 0.1, momentum 0.9, wd 0.01, g = 0.5, p0 = 1:
  // step 1: g' = 0.51, v = 0.51, p = 1 - 0.051 = 0.949
  // step 2: g' = 0.5 + 0.00949 = 0.50949, v = 0.459 + 0.50949 = 0.96849, p = 0.852151
  float p = 1.0f, g = 0.5f, v = 123.0f;  // v is ignored on the first step
  sgd_step(&p, &g, &v, 1, 0.1f, 0.9f, 0.01f, false, true);
  EXPECT_NEAR(p, 0.949f, 1e-6);
  EXPECT_NEAR(v, 0.51f, 1e-6);
  sgd_step(&p, &g, &v, 1, 0.1f, 0.9f, 0.01f, false, false);
  EXPECT_NEAR(p, 0.852151f, 1e-6);
  EXPECT_NEAR(v, 0.96849f, 1e-6);
  // Nesterov: step 1: p = 1 - 0.1 * (0.51 + 0.9 * 0.51) = 0.9031
  // step 2: g' = 0.509031, v = 0.968031, p = 0.9031 - 0.1 * (0.509031 + 0.8712279) = 0.76507411
  p = 1.0f;
  sgd_step(&p, &g, &v, 1, 0.1f, 0.9f, 0.01f, true, true);
  EXPECT_NEAR(p, 0.9031f, 1e-6);
  sgd_step(&p, &g, &v, 1, 0.1f, 0.9f, 0.01f, true, false);
  EXPECT_NEAR(p, 0.76507411f, 1e-6);
  // No momentum: v unused (null), p -= lr * g.
  p = 1.0f;
  sgd_step(&p, &g, nullptr, 1, 0.1f, 0.0f, 0.0f, false, true);
  sgd_step(&p, &g, nullptr, 1, 0.1f, 0.0f, 0.0f, false, false);
  EXPECT_NEAR(p, 0.9f, 1e-6);
}

TEST(Optim, AdamByHand) {
  // lr 0.1, b1 0.9, b2 0.999, eps 1e-8, p0 = 1, gradients 0.5, -0.25, 0.125.
  // step 1: m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25, p = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
  // step 2: m = 0.02, v = 0.00031225, m^ = 0.02/0.19, v^ = 0.00031225/0.001999,
  //         p = 0.9 - 0.1 * 0.1052632 / 0.3952254 = 0.8733663
  // step 3: m = 0.0305, v = 0.00032756275 -> p = 0.8393234
  const float gs[3] = {0.5f, -0.25f, 0.125f};
  struct Want {
    float wd;
    bool decoupled;
    float p[3];
  };
  const Want cases[] = {
      {0.0f, false, {0.9f, 0.8733663f, 0.8393234f}},
      // Adam L2: g' = g + 0.1 p (step 1: g' = 0.6, m^ = 0.6, v^ = 0.36 -> p = 0.9)
      {0.1f, false, {0.9f, 0.8544414f, 0.8005695f}},
      // AdamW: p *= 1 - lr wd first (step 1: 0.99 - 0.1 = 0.89)
      {0.1f, true, {0.89f, 0.8544663f, 0.8118787f}},
  };
  for (const Want& w : cases) {
    float p = 1.0f, m = 0.0f, v = 0.0f;
    for (int s = 0; s < 3; ++s) {
      adam_step(&p, &gs[s], &m, &v, 1, 0.1f, 0.9f, 0.999f, 1e-8f, w.wd, w.decoupled, s + 1);
      EXPECT_NEAR(p, w.p[s], 2e-6)
          << "wd " << w.wd << " decoupled " << w.decoupled << " step " << s + 1;
    }
    if (w.wd == 0.0f) {
      EXPECT_NEAR(m, 0.0305f, 1e-7);
      EXPECT_NEAR(v, 0.00032756275f, 1e-8);  // 1 - 0.999f is 1.3e-5 off in fp32
    }
  }
}

TEST(Optim, LargeTensorsMatchScalarLoop) {
  const int64_t n = 100000;  // threaded
  auto p = uni(n, 20, -1, 1), g = uni(n, 21, -1, 1), m = uni(n, 22, -0.1f, 0.1f);
  auto v = uni(n, 23, 0, 0.01f);
  auto p2 = p, m2 = m, v2 = v;
  adam_step(p.data(), g.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 5);
  for (int64_t i = 0; i < n; ++i) {
    float one_p = p2[i], one_m = m2[i], one_v = v2[i];
    adam_step(&one_p, &g[i], &one_m, &one_v, 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 5);
    ASSERT_EQ(one_p, p[i]);
    ASSERT_EQ(one_m, m[i]);
    ASSERT_EQ(one_v, v[i]);
  }
}

}  // namespace
}  // namespace hg::kernels::cpu
