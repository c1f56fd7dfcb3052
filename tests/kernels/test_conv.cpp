// CPU convolution, pooling, upsampling, batch-norm and dropout kernels: every fast path against the
// double-precision reference on awkward shapes with NaN-poisoned outputs, and the references
// themselves against finite differences and adjoint identities.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/pool.h"

namespace hg::kernels::cpu {
namespace {

using Vec = std::vector<float>;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Vec random_vec(int64_t n, Rng& rng) {
  Vec v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

void expect_close(const Vec& got, const Vec& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << what << ": element " << i << " not written or not finite";
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i]))) << what << ": element " << i;
  }
}

ConvShape shape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                int64_t stride, int64_t pad, int64_t dil = 1, int64_t groups = 1) {
  ConvShape s;
  s.N = N, s.C = C, s.H = H, s.W = W, s.K = K, s.R = R, s.S = S;
  s.stride_h = s.stride_w = stride;
  s.pad_h = s.pad_w = pad;
  s.dil_h = s.dil_w = dil;
  s.groups = groups;
  return s;
}

std::vector<ConvShape> awkward_shapes() {
  return {shape(1, 1, 7, 5, 1, 3, 3, 1, 1),      shape(3, 2, 9, 7, 4, 3, 3, 2, 1),
          shape(2, 4, 8, 8, 6, 1, 1, 1, 0),      shape(2, 3, 11, 6, 5, 4, 4, 2, 2),
          shape(1, 4, 10, 9, 6, 3, 3, 1, 2, 2),  shape(3, 4, 7, 7, 6, 3, 3, 2, 1, 1, 2),
          shape(2, 1, 28, 28, 8, 3, 3, 2, 1),    shape(2, 8, 14, 14, 4, 3, 3, 2, 1),
          shape(1, 2, 3, 3, 3, 3, 3, 1, 0),      shape(2, 3, 5, 4, 2, 3, 2, 3, 1)};
}

std::string describe(const ConvShape& s) {
  return "N" + std::to_string(s.N) + " C" + std::to_string(s.C) + " " + std::to_string(s.H) + "x" +
         std::to_string(s.W) + " K" + std::to_string(s.K) + " " + std::to_string(s.R) + "x" +
         std::to_string(s.S) + " s" + std::to_string(s.stride_h) + " p" + std::to_string(s.pad_h) +
         " d" + std::to_string(s.dil_h) + " g" + std::to_string(s.groups);
}

class ConvCpu : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvCpu, AllPassesMatchReference) {
  const std::string algo = GetParam();
  Rng rng(11);
  for (const ConvShape& s : awkward_shapes()) {
    ASSERT_TRUE(s.valid()) << describe(s);
    const std::string what = algo + " " + describe(s);
    Vec x = random_vec(s.x_numel(), rng), w = random_vec(s.w_numel(), rng),
        b = random_vec(s.K, rng), dy = random_vec(s.y_numel(), rng);
    Vec y_ref(s.y_numel()), y(s.y_numel(), kNaN);
    conv2d_forward_reference(s, x.data(), w.data(), b.data(), y_ref.data());
    conv2d_forward(s, x.data(), w.data(), b.data(), y.data(), Act::None, 0.01f, algo);
    expect_close(y, y_ref, 1e-5, "forward " + what);

    // Fused ReLU: the reference output passed through max(0, .).
    conv2d_forward(s, x.data(), w.data(), b.data(), y.data(), Act::ReLU, 0.01f, algo);
    for (auto& v : y_ref) v = v > 0 ? v : 0;
    expect_close(y, y_ref, 1e-5, "forward relu " + what);

    Vec dx_ref(s.x_numel()), dx(s.x_numel(), kNaN);
    conv2d_backward_data_reference(s, dy.data(), w.data(), dx_ref.data());
    conv2d_backward_data(s, dy.data(), w.data(), dx.data(), algo);
    expect_close(dx, dx_ref, 1e-5, "backward data " + what);

    Vec dw_ref(s.w_numel()), dw(s.w_numel(), kNaN), db_ref(s.K), db(s.K, kNaN);
    conv2d_backward_weight_reference(s, x.data(), dy.data(), dw_ref.data(), db_ref.data());
    conv2d_backward_weight(s, x.data(), dy.data(), dw.data(), db.data(), algo);
    expect_close(dw, dw_ref, 1e-5, "backward weight " + what);
    expect_close(db, db_ref, 1e-5, "bias gradient " + what);
  }
}

INSTANTIATE_TEST_SUITE_P(Algos, ConvCpu, ::testing::Values("", "im2col", "direct"));

// The reference backward passes are the gradients of the reference forward: <dy, d conv / d x>.
TEST(ConvReference, BackwardPassesMatchFiniteDifferences) {
  Rng rng(5);
  for (const ConvShape& s : {shape(1, 2, 5, 4, 3, 3, 3, 2, 1), shape(2, 4, 5, 5, 2, 2, 2, 1, 1, 2, 2)}) {
    Vec x = random_vec(s.x_numel(), rng), w = random_vec(s.w_numel(), rng),
        b = random_vec(s.K, rng), dy = random_vec(s.y_numel(), rng);
    auto loss = [&](const Vec& xx, const Vec& ww, const Vec& bb) {
      Vec y(s.y_numel());
      conv2d_forward_reference(s, xx.data(), ww.data(), bb.data(), y.data());
      double l = 0;
      for (size_t i = 0; i < y.size(); ++i) l += double(y[i]) * dy[i];
      return l;
    };
    Vec dx(s.x_numel()), dw(s.w_numel()), db(s.K);
    conv2d_backward_data_reference(s, dy.data(), w.data(), dx.data());
    conv2d_backward_weight_reference(s, x.data(), dy.data(), dw.data(), db.data());
    const float h = 1e-2f;  // the loss is linear in each input: differences are exact up to rounding
    auto fd = [&](Vec& v, size_t i, auto&& f) {
      const float old = v[i];
      v[i] = old + h;
      const double up = f();
      v[i] = old - h;
      const double down = f();
      v[i] = old;
      return (up - down) / (2.0 * h);
    };
    for (size_t i = 0; i < x.size(); i += 3)
      EXPECT_NEAR(fd(x, i, [&] { return loss(x, w, b); }), dx[i], 2e-3) << describe(s) << " dx " << i;
    for (size_t i = 0; i < w.size(); i += 2)
      EXPECT_NEAR(fd(w, i, [&] { return loss(x, w, b); }), dw[i], 2e-3) << describe(s) << " dw " << i;
    for (size_t i = 0; i < b.size(); ++i)
      EXPECT_NEAR(fd(b, i, [&] { return loss(x, w, b); }), db[i], 2e-3) << describe(s) << " db " << i;
  }
}

TEST(ConvReference, Im2colAndCol2imAreAdjoint) {
  Rng rng(9);
  for (const ConvShape& s : awkward_shapes()) {
    const int64_t img = s.c_per_group() * s.H * s.W;
    const int64_t cols = s.c_per_group() * s.R * s.S * s.out_h() * s.out_w();
    Vec a = random_vec(img, rng), c = random_vec(cols, rng), ac(cols), ca(img, 0.0f);
    im2col(s, a.data(), ac.data());
    col2im(s, c.data(), ca.data());
    double lhs = 0, rhs = 0;
    for (int64_t i = 0; i < cols; ++i) lhs += double(ac[i]) * c[i];
    for (int64_t i = 0; i < img; ++i) rhs += double(a[i]) * ca[i];
    EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(lhs))) << describe(s);
  }
}

TEST(ConvCpu, InvalidShapeAndUnknownAlgoThrow) {
  ConvShape bad = shape(1, 3, 5, 5, 4, 3, 3, 1, 0, 1, 2);  // 3 channels do not split in 2 groups
  Vec buf(1024, 0.0f);
  EXPECT_THROW(conv2d_forward(bad, buf.data(), buf.data(), nullptr, buf.data()), Error);
  ConvShape s = shape(1, 1, 5, 5, 1, 3, 3, 1, 0);
  EXPECT_THROW(conv2d_forward(s, buf.data(), buf.data(), nullptr, buf.data(), Act::None, 0.01f, "fft"),
               Error);
}

PoolShape pool(int64_t N, int64_t C, int64_t H, int64_t W, int64_t k, int64_t stride, int64_t pad) {
  PoolShape s;
  s.N = N, s.C = C, s.H = H, s.W = W;
  s.kh = s.kw = k;
  s.stride_h = s.stride_w = stride;
  s.pad_h = s.pad_w = pad;
  return s;
}

TEST(PoolCpu, MaxPoolPicksTheWindowMaximumAndRoutesGradients) {
  Rng rng(3);
  for (const PoolShape& s : {pool(2, 3, 7, 6, 2, 2, 0), pool(1, 2, 9, 9, 3, 2, 1), pool(3, 1, 5, 5, 3, 1, 1)}) {
    Vec x = random_vec(s.x_numel(), rng), y(s.y_numel(), kNaN), dy = random_vec(s.y_numel(), rng);
    std::vector<int32_t> arg(s.y_numel(), -7);
    maxpool2d_forward(s, x.data(), y.data(), arg.data());
    const int64_t P = s.out_h(), Q = s.out_w();
    Vec dx_ref(s.x_numel(), 0.0f);
    for (int64_t pl = 0; pl < s.N * s.C; ++pl)
      for (int64_t p = 0; p < P; ++p)
        for (int64_t q = 0; q < Q; ++q) {
          float best = -INFINITY;
          int64_t at = -1;
          for (int64_t i = 0; i < s.kh; ++i)
            for (int64_t j = 0; j < s.kw; ++j) {
              const int64_t h = p * s.stride_h - s.pad_h + i, w = q * s.stride_w - s.pad_w + j;
              if (h < 0 || h >= s.H || w < 0 || w >= s.W) continue;
              if (x[pl * s.H * s.W + h * s.W + w] > best) best = x[pl * s.H * s.W + h * s.W + w], at = h * s.W + w;
            }
          const int64_t o = (pl * P + p) * Q + q;
          ASSERT_EQ(y[o], best);
          ASSERT_EQ(arg[o], at);
          dx_ref[pl * s.H * s.W + at] += dy[o];
        }
    Vec dx(s.x_numel(), kNaN);
    maxpool2d_backward(s, dy.data(), arg.data(), dx.data());
    expect_close(dx, dx_ref, 1e-6, "maxpool backward");
  }
}

TEST(PoolCpu, MaxPoolPropagatesNaN) {
  PoolShape s = pool(1, 1, 2, 2, 2, 2, 0);
  Vec x = {1.0f, kNaN, 3.0f, 2.0f}, y(1);
  std::vector<int32_t> arg(1);
  maxpool2d_forward(s, x.data(), y.data(), arg.data());
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(arg[0], 1);
}

TEST(PoolCpu, AvgPoolCountsPaddingAndIsAdjoint) {
  Rng rng(4);
  PoolShape s = pool(2, 2, 7, 5, 3, 2, 1);
  Vec x = random_vec(s.x_numel(), rng), y(s.y_numel(), kNaN), dy = random_vec(s.y_numel(), rng),
      dx(s.x_numel(), kNaN);
  avgpool2d_forward(s, x.data(), y.data());
  // Corner window at (0, 0) covers rows -1..1 and columns -1..1: 4 real elements over 9.
  const float corner = (x[0] + x[1] + x[5] + x[6]) / 9.0f;
  EXPECT_NEAR(y[0], corner, 1e-6);
  avgpool2d_backward(s, dy.data(), dx.data());
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < y.size(); ++i) lhs += double(y[i]) * dy[i];
  for (size_t i = 0; i < x.size(); ++i) rhs += double(x[i]) * dx[i];
  EXPECT_NEAR(lhs, rhs, 1e-5);
}

TEST(PoolCpu, UpsampleCopiesAndItsBackwardSums) {
  Rng rng(6);
  const int64_t N = 2, C = 3, H = 3, W = 4, fh = 2, fw = 3;
  Vec x = random_vec(N * C * H * W, rng), y(N * C * H * fh * W * fw, kNaN),
      dy = random_vec(N * C * H * fh * W * fw, rng), dx(x.size(), kNaN);
  upsample_nearest2d_forward(x.data(), y.data(), N, C, H, W, fh, fw);
  EXPECT_EQ(y[(1 * H * fh + 5) * W * fw + 7], x[(1 * H + 2) * W + 2]);
  upsample_nearest2d_backward(dy.data(), dx.data(), N, C, H, W, fh, fw);
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < y.size(); ++i) lhs += double(y[i]) * dy[i];
  for (size_t i = 0; i < x.size(); ++i) rhs += double(x[i]) * dx[i];
  EXPECT_NEAR(lhs, rhs, 1e-4);
}

TEST(BatchNormCpu, TrainStatisticsRunningUpdateEvalAndBackward) {
  Rng rng(8);
  const int64_t N = 3, C = 2, HW = 5, M = N * HW;
  Vec x = random_vec(N * C * HW, rng), g = {1.5f, -0.5f}, b = {0.1f, 0.2f};
  for (int64_t i = 0; i < N * HW; ++i) x[(i / HW) * C * HW + HW + i % HW] += 4.0f;  // channel 1 offset
  Vec y(x.size(), kNaN), mean(C), invstd(C), rm = {0.0f, 1.0f}, rv = {1.0f, 2.0f};
  batchnorm_forward_train(x.data(), y.data(), N, C, HW, g.data(), b.data(), 1e-5f, 0.1f, rm.data(),
                          rv.data(), mean.data(), invstd.data());
  for (int64_t c = 0; c < C; ++c) {
    double s = 0, sq = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) s += x[(n * C + c) * HW + i];
    const double mu = s / M;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) sq += std::pow(x[(n * C + c) * HW + i] - mu, 2);
    EXPECT_NEAR(mean[c], mu, 1e-6);
    EXPECT_NEAR(invstd[c], 1.0 / std::sqrt(sq / M + 1e-5), 1e-4);
    EXPECT_NEAR(rm[c], (c == 0 ? 0.0 : 0.9) + 0.1 * mu, 1e-6);
    EXPECT_NEAR(rv[c], (c == 0 ? 0.9 : 1.8) + 0.1 * sq / (M - 1), 1e-5);  // unbiased
    // Normalised output: mean beta, standard deviation |gamma|.
    double ys = 0, yq = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) ys += y[(n * C + c) * HW + i];
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) yq += std::pow(y[(n * C + c) * HW + i] - ys / M, 2);
    EXPECT_NEAR(ys / M, b[c], 1e-5);
    EXPECT_NEAR(std::sqrt(yq / M), std::fabs(g[c]), 1e-3);
  }
  // Eval with the running statistics.
  Vec ye(x.size(), kNaN);
  batchnorm_forward_eval(x.data(), ye.data(), N, C, HW, g.data(), b.data(), 1e-5f, rm.data(), rv.data());
  EXPECT_NEAR(ye[HW + 2], (x[HW + 2] - rm[1]) / std::sqrt(rv[1] + 1e-5) * g[1] + b[1], 1e-5);

  // Backward against central differences of L = <dy, y(x)> in the training forward.
  Vec dy = random_vec(x.size(), rng), dx(x.size(), kNaN), dg(C, kNaN), db(C, kNaN);
  batchnorm_backward(x.data(), dy.data(), dx.data(), N, C, HW, g.data(), mean.data(), invstd.data(),
                     dg.data(), db.data());
  auto loss = [&](const Vec& xx, const Vec& gg, const Vec& bb) {
    Vec yy(xx.size()), m2(C), s2(C);
    batchnorm_forward_train(xx.data(), yy.data(), N, C, HW, gg.data(), bb.data(), 1e-5f, 0.1f,
                            nullptr, nullptr, m2.data(), s2.data());
    double l = 0;
    for (size_t i = 0; i < yy.size(); ++i) l += double(yy[i]) * dy[i];
    return l;
  };
  const float h = 1e-2f;
  for (size_t i = 0; i < x.size(); i += 2) {
    Vec xp = x, xm = x;
    xp[i] += h, xm[i] -= h;
    EXPECT_NEAR((loss(xp, g, b) - loss(xm, g, b)) / (2 * h), dx[i], 5e-3) << "dx " << i;
  }
  for (int64_t c = 0; c < C; ++c) {
    Vec gp = g, gm = g, bp = b, bm = b;
    gp[c] += h, gm[c] -= h, bp[c] += h, bm[c] -= h;
    EXPECT_NEAR((loss(x, gp, b) - loss(x, gm, b)) / (2 * h), dg[c], 5e-3);
    EXPECT_NEAR((loss(x, g, bp) - loss(x, g, bm)) / (2 * h), db[c], 5e-3);
  }
}

TEST(DropoutCpu, MaskIsSeededScaledAndKeepsAboutOneMinusP) {
  const int64_t n = 100000;
  Vec x(n, 2.0f), y(n, kNaN), m(n, kNaN), y2(n), m2(n);
  dropout_forward(x.data(), y.data(), m.data(), n, 0.25f, 42);
  dropout_forward(x.data(), y2.data(), m2.data(), n, 0.25f, 42);
  EXPECT_EQ(m, m2);
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(m[i] == 0.0f || std::fabs(m[i] - 1.0f / 0.75f) < 1e-6f) << i;
    ASSERT_FLOAT_EQ(y[i], x[i] * m[i]);
    kept += m[i] != 0.0f;
  }
  EXPECT_NEAR(double(kept) / n, 0.75, 0.01);
  dropout_forward(x.data(), y2.data(), m2.data(), n, 0.25f, 43);
  EXPECT_NE(m, m2);
  dropout_forward(x.data(), y.data(), m.data(), n, 0.0f, 7);
  EXPECT_EQ(y, x);
  EXPECT_THROW(dropout_forward(x.data(), y.data(), m.data(), n, 1.0f, 7), Error);
}

}  // namespace
}  // namespace hg::kernels::cpu
