// CPU pooling, upsampling, batch-norm and dropout kernels: each against loops written out in the
// test (or finite differences / adjoint identities), with NaN-poisoned outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernel_test_util.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/pool.h"

namespace hg::kernels::cpu {
namespace {

using test::expect_close;
using test::kNaN;
using test::random_vec;
using test::Vec;

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
  for (const PoolShape& s :
       {pool(2, 3, 7, 6, 2, 2, 0), pool(1, 2, 9, 9, 3, 2, 1), pool(3, 1, 5, 5, 3, 1, 1),
        pool(2, 2, 8, 5, 4, 2, 2), pool(1, 3, 6, 7, 2, 1, 1)}) {
    for (bool negative :
         {false, true}) {  // all-negative input: padding (counted as -inf) never wins
      Vec x = random_vec(s.x_numel(), rng), y(s.y_numel(), kNaN), dy = random_vec(s.y_numel(), rng);
      if (negative)
        for (auto& v : x) v = -std::fabs(v) - 0.5f;
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
                if (x[pl * s.H * s.W + h * s.W + w] > best)
                  best = x[pl * s.H * s.W + h * s.W + w], at = h * s.W + w;
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
  // Every output against the window sum over kh*kw (padding counted in the divisor).
  const int64_t P = s.out_h(), Q = s.out_w();
  Vec y_ref(y.size());
  for (int64_t pl = 0; pl < s.N * s.C; ++pl)
    for (int64_t p = 0; p < P; ++p)
      for (int64_t q = 0; q < Q; ++q) {
        double acc = 0;
        for (int64_t i = 0; i < s.kh; ++i)
          for (int64_t j = 0; j < s.kw; ++j) {
            const int64_t h = p * s.stride_h - s.pad_h + i, w = q * s.stride_w - s.pad_w + j;
            if (h >= 0 && h < s.H && w >= 0 && w < s.W) acc += x[(pl * s.H + h) * s.W + w];
          }
        y_ref[(pl * P + p) * Q + q] = static_cast<float>(acc / double(s.kh * s.kw));
      }
  expect_close(y, y_ref, 1e-6, "avgpool forward");
  avgpool2d_backward(s, dy.data(), dx.data());
  ASSERT_TRUE(std::isfinite(dx[0]));
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < y.size(); ++i) lhs += double(y[i]) * dy[i];
  for (size_t i = 0; i < x.size(); ++i) rhs += double(x[i]) * dx[i];
  EXPECT_NEAR(lhs, rhs, 1e-5);
}

TEST(PoolCpu, InvalidShapesThrow) {
  Vec buf(256, 0.0f);
  std::vector<int32_t> arg(256);
  PoolShape too_much_pad = pool(1, 1, 6, 6, 2, 2, 2);  // pad > kernel/2
  PoolShape no_output = pool(1, 1, 2, 2, 3, 1, 0);     // 3x3 window on a 2x2 image
  PoolShape zero_stride = pool(1, 1, 4, 4, 2, 0, 0);
  for (const PoolShape& s : {too_much_pad, no_output, zero_stride}) {
    ASSERT_FALSE(s.valid());
    EXPECT_THROW(maxpool2d_forward(s, buf.data(), buf.data(), arg.data()), Error);
    EXPECT_THROW(maxpool2d_backward(s, buf.data(), arg.data(), buf.data()), Error);
    EXPECT_THROW(avgpool2d_forward(s, buf.data(), buf.data()), Error);
    EXPECT_THROW(avgpool2d_backward(s, buf.data(), buf.data()), Error);
  }
  EXPECT_THROW(upsample_nearest2d_forward(buf.data(), buf.data(), 1, 1, 2, 2, 0, 2), Error);
  EXPECT_THROW(upsample_nearest2d_backward(buf.data(), buf.data(), 1, 0, 2, 2, 2, 2), Error);
}

TEST(PoolCpu, UpsampleCopiesAndItsBackwardSums) {
  Rng rng(6);
  const int64_t N = 2, C = 3, H = 3, W = 4, fh = 2, fw = 3;
  Vec x = random_vec(N * C * H * W, rng), y(N * C * H * fh * W * fw, kNaN),
      dy = random_vec(N * C * H * fh * W * fw, rng), dx(x.size(), kNaN);
  upsample_nearest2d_forward(x.data(), y.data(), N, C, H, W, fh, fw);
  for (int64_t pl = 0; pl < N * C; ++pl)
    for (int64_t i = 0; i < H * fh; ++i)
      for (int64_t j = 0; j < W * fw; ++j)
        ASSERT_EQ(y[(pl * H * fh + i) * W * fw + j], x[(pl * H + i / fh) * W + j / fw])
            << i << " " << j;
  upsample_nearest2d_backward(dy.data(), dx.data(), N, C, H, W, fh, fw);
  // dx(0, 0, 1, 2) sums rows 2..3, columns 6..8 of dy.
  double d = 0;
  for (int64_t a = 0; a < fh; ++a)
    for (int64_t b = 0; b < fw; ++b) d += dy[(1 * fh + a) * W * fw + 2 * fw + b];
  EXPECT_NEAR(dx[1 * W + 2], d, 1e-6);
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < y.size(); ++i) lhs += double(y[i]) * dy[i];
  for (size_t i = 0; i < x.size(); ++i) rhs += double(x[i]) * dx[i];
  EXPECT_NEAR(lhs, rhs, 1e-4);
}

TEST(BatchNormCpu, TrainStatisticsRunningUpdateEvalAndBackward) {
  Rng rng(8);
  const int64_t N = 3, C = 2, HW = 5, M = N * HW;
  Vec x = random_vec(N * C * HW, rng), g = {1.5f, -0.5f}, b = {0.1f, 0.2f};
  for (int64_t i = 0; i < N * HW; ++i)
    x[(i / HW) * C * HW + HW + i % HW] += 4.0f;  // channel 1 offset
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
  batchnorm_forward_eval(x.data(), ye.data(), N, C, HW, g.data(), b.data(), 1e-5f, rm.data(),
                         rv.data());
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

// 2-D input (HW = 1), no affine parameters, a large common offset (the two-pass variance must not
// cancel catastrophically), and the backward without dgamma/dbeta.
TEST(BatchNormCpu, TwoDimensionalLargeMeanNoAffine) {
  Rng rng(10);
  const int64_t N = 64, C = 3;
  Vec x = random_vec(N * C, rng);
  for (int64_t i = 0; i < N * C; ++i) x[i] = 1000.0f + 0.01f * x[i];
  Vec y(x.size(), kNaN), mean(C, kNaN), invstd(C, kNaN);
  batchnorm_forward_train(x.data(), y.data(), N, C, 1, nullptr, nullptr, 1e-8f, 0.5f, nullptr,
                          nullptr, mean.data(), invstd.data());
  for (int64_t c = 0; c < C; ++c) {
    double s = 0, sq = 0;
    for (int64_t n = 0; n < N; ++n) s += x[n * C + c];
    for (int64_t n = 0; n < N; ++n) sq += std::pow(x[n * C + c] - s / N, 2);
    const double inv = 1.0 / std::sqrt(sq / N + 1e-8);
    EXPECT_NEAR(invstd[c], inv, 1e-4 * inv) << c;
    for (int64_t n = 0; n < N; ++n)
      ASSERT_NEAR(y[n * C + c], (x[n * C + c] - s / N) * inv, 2e-3) << n << " " << c;
  }
  Vec dy = random_vec(x.size(), rng), dx(x.size(), kNaN);
  batchnorm_backward(x.data(), dy.data(), dx.data(), N, C, 1, nullptr, mean.data(), invstd.data(),
                     nullptr, nullptr);
  // dx sums to zero per channel and is orthogonal to xhat (the normalisation's two constraints).
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0, dot = 0, scale = 0;
    for (int64_t n = 0; n < N; ++n) {
      ASSERT_TRUE(std::isfinite(dx[n * C + c]));
      sum += dx[n * C + c];
      dot += dx[n * C + c] * y[n * C + c];
      scale += std::fabs(dx[n * C + c]);
    }
    EXPECT_NEAR(sum, 0.0, 1e-3 * scale) << c;
    EXPECT_NEAR(dot, 0.0, 1e-3 * scale) << c;
  }
  EXPECT_THROW(batchnorm_forward_train(x.data(), y.data(), 0, C, 1, nullptr, nullptr, 1e-5f, 0.1f,
                                       nullptr, nullptr, mean.data(), invstd.data()),
               Error);
  EXPECT_THROW(batchnorm_forward_eval(x.data(), y.data(), N, C, 0, nullptr, nullptr, 1e-5f,
                                      mean.data(), invstd.data()),
               Error);
}

// The mask written out independently of kernels/common/counter_hash.h, as pool.h specifies it: the
// CUDA twin uses the same formula, so this pins the bits both must produce.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

TEST(DropoutCpu, MaskFollowsTheSpecifiedCounterHash) {
  const int64_t n = 70000;  // more than one elementwise chunk, so threads split the work
  const float p = 0.3f;
  const uint64_t seed = 0x1234abcdULL;
  Vec x(n), y(n, kNaN), m(n, kNaN);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 17) - 8.0f;
  const int saved = num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    dropout_forward(x.data(), y.data(), m.data(), n, p, seed);
    for (int64_t i = 0; i < n; ++i) {
      const double u =
          static_cast<double>(mix(seed ^ mix(static_cast<uint64_t>(i))) >> 40) / 16777216.0;
      const float want = u >= p ? 1.0f / (1.0f - p) : 0.0f;
      ASSERT_EQ(m[i], want) << "element " << i << " threads " << threads;
      ASSERT_EQ(y[i], x[i] * want) << "element " << i;
    }
  }
  set_num_threads(saved);
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
  for (float pp : {0.1f, 0.5f, 0.9f}) {
    dropout_forward(x.data(), y2.data(), m2.data(), n, pp, 99);
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) k += m2[i] != 0.0f;
    EXPECT_NEAR(double(k) / n, 1.0 - pp, 0.01) << "p " << pp;
  }
  dropout_forward(x.data(), y.data(), m.data(), n, 0.0f, 7);
  EXPECT_EQ(y, x);
  EXPECT_EQ(m, Vec(n, 1.0f));
  EXPECT_THROW(dropout_forward(x.data(), y.data(), m.data(), n, 1.0f, 7), Error);
  EXPECT_THROW(dropout_forward(x.data(), y.data(), m.data(), n, -0.1f, 7), Error);
}

}  // namespace
}  // namespace hg::kernels::cpu
