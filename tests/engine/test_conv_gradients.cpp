// The convolution-family ops (engine/ops/conv_ops.h): forward against double references written
// here from PyTorch's definitions, gradients against double-precision central differences (see
// gradcheck.h), on small awkward shapes: batch 1, odd sizes, stride 2, padding 1, dilation 2,
// groups 2, non-square windows, transposed convolution with output_padding. Convolutions run
// under every CPU algorithm (default choice, im2col, direct). Then the nn modules: BatchNorm2d's
// buffers and their state round trip, Dropout, and the descriptions.
#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "engine/autograd/autograd.h"
#include "engine/nn/conv_layers.h"
#include "engine/ops/conv_ops.h"
#include "engine/ops/kernel_select.h"
#include "engine/util/error.h"
#include "gradcheck.h"

namespace hg::test {
namespace {

using ops::Size2;

double act_ref(ops::Act a, double x, double alpha = 0.01) {
  switch (a) {
    case ops::Act::None: return x;
    case ops::Act::ReLU: return x > 0 ? x : 0;
    case ops::Act::LeakyReLU: return x > 0 ? x : alpha * x;
    case ops::Act::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case ops::Act::Tanh: return std::tanh(x);
    case ops::Act::Softplus: return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0);
  }
  return x;
}

// ---- references in double -------------------------------------------------------------------

struct ConvCase {
  int64_t N, C, H, W, K, R, S;
  Size2 stride, pad, dil;
  int64_t groups;
  int64_t P() const { return (H + 2 * pad.h - dil.h * (R - 1) - 1) / stride.h + 1; }
  int64_t Q() const { return (W + 2 * pad.w - dil.w * (S - 1) - 1) / stride.w + 1; }
};

Vec conv_ref(const ConvCase& c, const Vec& x, const Vec& w, const Vec* b, ops::Act act) {
  const int64_t P = c.P(), Q = c.Q(), Cg = c.C / c.groups, Kg = c.K / c.groups;
  Vec y(static_cast<size_t>(c.N * c.K * P * Q));
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t k = 0; k < c.K; ++k) {
      const int64_t g = k / Kg;
      for (int64_t p = 0; p < P; ++p)
        for (int64_t q = 0; q < Q; ++q) {
          double s = b ? (*b)[k] : 0.0;
          for (int64_t cc = 0; cc < Cg; ++cc)
            for (int64_t r = 0; r < c.R; ++r)
              for (int64_t t = 0; t < c.S; ++t) {
                const int64_t h = p * c.stride.h - c.pad.h + r * c.dil.h;
                const int64_t ww = q * c.stride.w - c.pad.w + t * c.dil.w;
                if (h < 0 || h >= c.H || ww < 0 || ww >= c.W) continue;
                const int64_t ci = g * Cg + cc;
                s += x[((n * c.C + ci) * c.H + h) * c.W + ww] *
                     w[((k * Cg + cc) * c.R + r) * c.S + t];
              }
          y[((n * c.K + k) * P + p) * Q + q] = act_ref(act, s);
        }
    }
  return y;
}

// PyTorch's ConvTranspose2d by its definition: every input element scatters w[ci, co, r, s] times
// itself to output position (h stride - pad + r dil, w stride - pad + s dil).
struct ConvTCase {
  int64_t N, Cin, H, W, Cout, R, S;
  Size2 stride, pad, out_pad, dil;
  int64_t groups;
  int64_t Ho() const { return (H - 1) * stride.h - 2 * pad.h + dil.h * (R - 1) + out_pad.h + 1; }
  int64_t Wo() const { return (W - 1) * stride.w - 2 * pad.w + dil.w * (S - 1) + out_pad.w + 1; }
};

Vec convt_ref(const ConvTCase& c, const Vec& x, const Vec& w, const Vec* b) {
  const int64_t Ho = c.Ho(), Wo = c.Wo(), Cig = c.Cin / c.groups, Cog = c.Cout / c.groups;
  Vec y(static_cast<size_t>(c.N * c.Cout * Ho * Wo), 0.0);
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t ci = 0; ci < c.Cin; ++ci) {
      const int64_t g = ci / Cig;
      for (int64_t h = 0; h < c.H; ++h)
        for (int64_t ww = 0; ww < c.W; ++ww) {
          const double xv = x[((n * c.Cin + ci) * c.H + h) * c.W + ww];
          for (int64_t co = 0; co < Cog; ++co)
            for (int64_t r = 0; r < c.R; ++r)
              for (int64_t t = 0; t < c.S; ++t) {
                const int64_t oh = h * c.stride.h - c.pad.h + r * c.dil.h;
                const int64_t ow = ww * c.stride.w - c.pad.w + t * c.dil.w;
                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                y[((n * c.Cout + g * Cog + co) * Ho + oh) * Wo + ow] +=
                    xv * w[((ci * Cog + co) * c.R + r) * c.S + t];
              }
        }
    }
  if (b)
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t co = 0; co < c.Cout; ++co)
        for (int64_t i = 0; i < Ho * Wo; ++i) y[(n * c.Cout + co) * Ho * Wo + i] += (*b)[co];
  return y;
}

struct PoolCase {
  int64_t N, C, H, W;
  Size2 k, stride, pad;
  int64_t P() const { return (H + 2 * pad.h - k.h) / stride.h + 1; }
  int64_t Q() const { return (W + 2 * pad.w - k.w) / stride.w + 1; }
};

Vec pool_ref(const PoolCase& c, const Vec& x, bool max) {
  const int64_t P = c.P(), Q = c.Q();
  Vec y(static_cast<size_t>(c.N * c.C * P * Q));
  for (int64_t nc = 0; nc < c.N * c.C; ++nc)
    for (int64_t p = 0; p < P; ++p)
      for (int64_t q = 0; q < Q; ++q) {
        double m = -INFINITY, s = 0;
        for (int64_t r = 0; r < c.k.h; ++r)
          for (int64_t t = 0; t < c.k.w; ++t) {
            const int64_t h = p * c.stride.h - c.pad.h + r, w = q * c.stride.w - c.pad.w + t;
            if (h < 0 || h >= c.H || w < 0 || w >= c.W) continue;
            const double v = x[(nc * c.H + h) * c.W + w];
            m = std::max(m, v);
            s += v;
          }
        y[(nc * P + p) * Q + q] = max ? m : s / double(c.k.h * c.k.w);
      }
  return y;
}

// Batch norm with batch statistics (training) or given statistics (evaluation).
Vec bn_ref(const Vec& x, int64_t N, int64_t C, int64_t HW, const Vec& gamma, const Vec& beta,
           const Vec* mean_in, const Vec* var_in, double eps, Vec* mean_out = nullptr,
           Vec* var_out = nullptr) {
  Vec y(x.size());
  for (int64_t c = 0; c < C; ++c) {
    double mean = 0, var = 0;
    if (mean_in) {
      mean = (*mean_in)[c];
      var = (*var_in)[c];
    } else {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = 0; i < HW; ++i) mean += x[(n * C + c) * HW + i];
      mean /= double(N * HW);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = 0; i < HW; ++i) {
          const double d = x[(n * C + c) * HW + i] - mean;
          var += d * d;
        }
      var /= double(N * HW);
    }
    if (mean_out) (*mean_out)[c] = mean;
    if (var_out) (*var_out)[c] = var;
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < HW; ++i) {
        const size_t j = static_cast<size_t>((n * C + c) * HW + i);
        y[j] = (x[j] - mean) * inv * gamma[c] + beta[c];
      }
  }
  return y;
}

// Runs a test body under every CPU convolution algorithm, restoring the default afterwards.
class ConvAlgo : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ops::set_conv_algo(GetParam()); }
  void TearDown() override { ops::set_conv_algo(""); }
};

// ---- conv2d ------------------------------------------------------------------------------------

const ConvCase kConvCases[] = {
    {1, 1, 5, 5, 1, 3, 3, 1, 0, 1, 1},                 // batch 1, single channel
    {2, 3, 7, 9, 4, 3, 3, 2, 1, 1, 1},                 // stride 2, padding 1, odd sizes
    {2, 4, 6, 5, 6, 3, 3, 1, 1, 1, 2},                 // groups 2
    {1, 2, 9, 8, 3, 3, 3, 1, 2, 2, 1},                 // dilation 2
    {2, 3, 8, 7, 2, 2, 3, {2, 1}, {1, 0}, {1, 2}, 1},  // non-square everything
    {2, 5, 4, 4, 3, 1, 1, 1, 0, 1, 1},                 // 1x1
    {1, 12, 5, 6, 6, 3, 3, 2, 1, 1, 3},                // wider, groups 3, stride 2
};

TEST_P(ConvAlgo, Conv2dMatchesFiniteDifferences) {
  int seed = 0;
  for (const ConvCase& c : kConvCases) {
    SCOPED_TRACE("case " + std::to_string(seed));
    Rng rng(100 + seed++);
    Tensor x = random_tensor({c.N, c.C, c.H, c.W}, rng);
    Tensor w = random_tensor({c.K, c.C / c.groups, c.R, c.S}, rng);
    Tensor b = random_tensor({c.K}, rng);
    for (ops::Act act : {ops::Act::None, ops::Act::Tanh, ops::Act::Sigmoid}) {
      check_gradients(
          {x, w, b}, {true, true, true},
          [&](const std::vector<Tensor>& t) {
            return ops::conv2d(t[0], t[1], t[2], c.stride, c.pad, c.dil, c.groups, act);
          },
          [&](const std::vector<Vec>& t) { return conv_ref(c, t[0], t[1], &t[2], act); });
    }
    // Without bias.
    check_gradients(
        {x, w}, {true, true},
        [&](const std::vector<Tensor>& t) {
          return ops::conv2d(t[0], t[1], Tensor(), c.stride, c.pad, c.dil, c.groups);
        },
        [&](const std::vector<Vec>& t) {
          return conv_ref(c, t[0], t[1], nullptr, ops::Act::None);
        });
  }
}

TEST_P(ConvAlgo, Conv2dReluFusedAwayFromTheKink) {
  const ConvCase c{2, 3, 6, 7, 4, 3, 3, 2, 1, 1, 1};
  for (uint64_t seed = 1; seed < 50; ++seed) {
    Rng rng(seed);
    Tensor x = random_tensor({c.N, c.C, c.H, c.W}, rng), w = random_tensor({4, 3, 3, 3}, rng),
           b = random_tensor({4}, rng);
    bool safe = true;
    for (float v : ops::conv2d(x, w, b, c.stride, c.pad).to_vector())
      safe = safe && std::fabs(v) > 1e-3f;
    if (!safe) continue;
    for (ops::Act act : {ops::Act::ReLU, ops::Act::LeakyReLU})
      check_gradients(
          {x, w, b}, {true, true, true},
          [&](const std::vector<Tensor>& t) {
            return ops::conv2d(t[0], t[1], t[2], c.stride, c.pad, 1, 1, act);
          },
          [&](const std::vector<Vec>& t) { return conv_ref(c, t[0], t[1], &t[2], act); });
    return;
  }
  FAIL() << "no seed kept every pre-activation away from 0";
}

// Only the bias needs a gradient: backward-weight still runs for it.
TEST_P(ConvAlgo, Conv2dGradientOfBiasAlone) {
  const ConvCase c{2, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1};
  Rng rng(4);
  Tensor x = random_tensor({2, 3, 5, 5}, rng), w = random_tensor({2, 3, 3, 3}, rng),
         b = random_tensor({2}, rng);
  check_gradients(
      {x, w, b}, {false, false, true},
      [&](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], t[2], 1, 1); },
      [&](const std::vector<Vec>& t) { return conv_ref(c, t[0], t[1], &t[2], ops::Act::None); });
}

// ---- conv_transpose2d ---------------------------------------------------------------------------

const ConvTCase kConvTCases[] = {
    {1, 2, 3, 3, 3, 3, 3, 2, 1, 1, 1, 1},                 // output_padding 1 (the decoder's)
    {2, 4, 4, 5, 2, 3, 3, 2, 1, 0, 1, 2},                 // groups 2
    {1, 3, 3, 4, 2, 2, 3, {2, 3}, {0, 1}, {1, 2}, 1, 1},  // non-square, output_padding (1, 2)
    {2, 2, 4, 4, 3, 3, 3, 1, 1, 0, 2, 1},                 // dilation 2
    {1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 1, 1},                 // stride 1 ("same" size)
    {2, 6, 2, 3, 4, 3, 3, 2, 1, 1, 1, 2},                 // odd, stride 2, groups 2, op 1
};

TEST_P(ConvAlgo, ConvTranspose2dMatchesFiniteDifferences) {
  int seed = 0;
  for (const ConvTCase& c : kConvTCases) {
    SCOPED_TRACE("case " + std::to_string(seed));
    Rng rng(200 + seed++);
    Tensor x = random_tensor({c.N, c.Cin, c.H, c.W}, rng);
    Tensor w = random_tensor({c.Cin, c.Cout / c.groups, c.R, c.S}, rng);
    Tensor b = random_tensor({c.Cout}, rng);
    Tensor y = ops::conv_transpose2d(x, w, b, c.stride, c.pad, c.out_pad, c.dil, c.groups);
    EXPECT_EQ(y.shape(), (Shape{c.N, c.Cout, c.Ho(), c.Wo()}));
    check_gradients(
        {x, w, b}, {true, true, true},
        [&](const std::vector<Tensor>& t) {
          return ops::conv_transpose2d(t[0], t[1], t[2], c.stride, c.pad, c.out_pad, c.dil,
                                       c.groups);
        },
        [&](const std::vector<Vec>& t) { return convt_ref(c, t[0], t[1], &t[2]); });
    check_gradients(
        {x, w}, {true, true},
        [&](const std::vector<Tensor>& t) {
          return ops::conv_transpose2d(t[0], t[1], Tensor(), c.stride, c.pad, c.out_pad, c.dil,
                                       c.groups);
        },
        [&](const std::vector<Vec>& t) { return convt_ref(c, t[0], t[1], nullptr); });
  }
}

INSTANTIATE_TEST_SUITE_P(Algos, ConvAlgo, ::testing::Values("", "im2col", "direct"),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("default") : info.param;
                         });

// The decoder's 7 -> 14 -> 28 path: sizes as PyTorch computes them.
TEST(ConvOps, TransposedConvolutionSizesMatchPyTorch) {
  Rng rng(1);
  Tensor x = random_tensor({2, 64, 7, 7}, rng), w = random_tensor({64, 32, 3, 3}, rng);
  EXPECT_EQ(ops::conv_transpose2d(x, w, Tensor(), 2, 1, 1).shape(), (Shape{2, 32, 14, 14}));
  EXPECT_EQ(ops::conv_transpose2d(x, w, Tensor(), 2, 1, 0).shape(), (Shape{2, 32, 13, 13}));
  Tensor x2 = random_tensor({2, 1, 28, 28}, rng), w2 = random_tensor({32, 1, 3, 3}, rng);
  EXPECT_EQ(ops::conv2d(x2, w2, Tensor(), 2, 1).shape(), (Shape{2, 32, 14, 14}));
}

// ---- pooling and upsampling ---------------------------------------------------------------------

const PoolCase kPoolCases[] = {
    {1, 1, 4, 4, 2, 2, 0},
    {2, 3, 7, 9, 3, 2, 1},                 // odd sizes, overlapping windows, padding
    {1, 2, 5, 6, {2, 3}, {1, 2}, {1, 1}},  // non-square
    {2, 2, 5, 5, 2, 2, 0},                 // odd size, the last row/column dropped
};

TEST(ConvOps, MaxPoolMatchesFiniteDifferences) {
  int seed = 0;
  for (const PoolCase& c : kPoolCases) {
    SCOPED_TRACE("case " + std::to_string(seed));
    Rng rng(300 + seed++);
    Tensor x = random_tensor({c.N, c.C, c.H, c.W}, rng);  // distinct values: no ties in a window
    check_gradients(
        {x}, {true},
        [&](const std::vector<Tensor>& t) { return ops::max_pool2d(t[0], c.k, c.stride, c.pad); },
        [&](const std::vector<Vec>& t) { return pool_ref(c, t[0], true); });
  }
}

TEST(ConvOps, AvgPoolMatchesFiniteDifferences) {
  int seed = 0;
  for (const PoolCase& c : kPoolCases) {
    SCOPED_TRACE("case " + std::to_string(seed));
    Rng rng(400 + seed++);
    Tensor x = random_tensor({c.N, c.C, c.H, c.W}, rng);
    check_gradients(
        {x}, {true},
        [&](const std::vector<Tensor>& t) { return ops::avg_pool2d(t[0], c.k, c.stride, c.pad); },
        [&](const std::vector<Vec>& t) { return pool_ref(c, t[0], false); });
  }
}

TEST(ConvOps, PoolStrideDefaultsToTheKernel) {
  Rng rng(5);
  Tensor x = random_tensor({1, 2, 6, 6}, rng);
  EXPECT_EQ(ops::max_pool2d(x, 2).shape(), (Shape{1, 2, 3, 3}));
  EXPECT_EQ(ops::avg_pool2d(x, 3).shape(), (Shape{1, 2, 2, 2}));
}

TEST(ConvOps, UpsampleNearestMatchesFiniteDifferences) {
  for (auto [N, C, H, W, fh, fw] :
       {std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>{2, 3, 3, 4, 2, 3},
        {1, 1, 1, 1, 1, 1},
        {1, 2, 5, 3, 3, 1}}) {
    Rng rng(N * 10 + H);
    Tensor x = random_tensor({N, C, H, W}, rng);
    check_gradients(
        {x}, {true},
        [=](const std::vector<Tensor>& t) { return ops::upsample_nearest2d(t[0], fh, fw); },
        [=](const std::vector<Vec>& t) {
          Vec y(static_cast<size_t>(N * C * H * fh * W * fw));
          for (int64_t nc = 0; nc < N * C; ++nc)
            for (int64_t i = 0; i < H * fh; ++i)
              for (int64_t j = 0; j < W * fw; ++j)
                y[(nc * H * fh + i) * W * fw + j] = t[0][(nc * H + i / fh) * W + j / fw];
          return y;
        });
  }
}

// ---- batch_norm --------------------------------------------------------------------------------

TEST(ConvOps, BatchNormTrainingMatchesFiniteDifferences) {
  for (Shape shape : {Shape{3, 4, 3, 5}, Shape{1, 2, 3, 3}, Shape{6, 3}}) {
    SCOPED_TRACE(shape_str(shape));
    const int64_t N = shape[0], C = shape[1], HW = shape.size() == 4 ? shape[2] * shape[3] : 1;
    Rng rng(N + C);
    Tensor x = random_tensor(shape, rng, -2.0, 3.0), gamma = random_tensor({C}, rng, 0.5, 1.5),
           beta = random_tensor({C}, rng);
    Tensor rm = random_tensor({C}, rng), rv = random_tensor({C}, rng, 0.5, 2.0);
    const Vec rm0 = to_double(rm), rv0 = to_double(rv);
    check_gradients(
        {x, gamma, beta}, {true, true, true},
        [&](const std::vector<Tensor>& t) {
          return ops::batch_norm(t[0], t[1], t[2], rm, rv, true, 0.1f, 1e-5f);
        },
        [&](const std::vector<Vec>& t) {
          return bn_ref(t[0], N, C, HW, t[1], t[2], nullptr, nullptr, 1e-5);
        },
        2e-5);
    // The op ran once: the running statistics moved 10% towards the batch's (unbiased variance).
    Vec mean(C), var(C);
    bn_ref(to_double(x), N, C, HW, Vec(C, 1.0), Vec(C, 0.0), nullptr, nullptr, 1e-5, &mean, &var);
    const double m = double(N * HW);
    for (int64_t c = 0; c < C; ++c) {
      EXPECT_NEAR(rm.to_vector()[c], 0.9 * rm0[c] + 0.1 * mean[c], 1e-5);
      EXPECT_NEAR(rv.to_vector()[c], 0.9 * rv0[c] + 0.1 * var[c] * m / (m - 1), 1e-5);
    }
  }
}

TEST(ConvOps, BatchNormWithoutAffineOrRunningStats) {
  Rng rng(21);
  Tensor x = random_tensor({4, 3, 2, 2}, rng);
  check_gradients(
      {x}, {true},
      [](const std::vector<Tensor>& t) {
        return ops::batch_norm(t[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
      },
      [](const std::vector<Vec>& t) {
        return bn_ref(t[0], 4, 3, 4, Vec(3, 1.0), Vec(3, 0.0), nullptr, nullptr, 1e-5);
      },
      2e-5);
}

TEST(ConvOps, BatchNormEvalMatchesFiniteDifferences) {
  Rng rng(22);
  const int64_t N = 2, C = 3, HW = 6;
  Tensor x = random_tensor({N, C, 2, 3}, rng), gamma = random_tensor({C}, rng, 0.5, 1.5),
         beta = random_tensor({C}, rng), rm = random_tensor({C}, rng),
         rv = random_tensor({C}, rng, 0.5, 2.0);
  const Vec rmd = to_double(rm), rvd = to_double(rv);
  check_gradients(
      {x, gamma, beta}, {true, true, true},
      [&](const std::vector<Tensor>& t) {
        return ops::batch_norm(t[0], t[1], t[2], rm, rv, false);
      },
      [&](const std::vector<Vec>& t) {
        return bn_ref(t[0], N, C, HW, t[1], t[2], &rmd, &rvd, 1e-5);
      });
  EXPECT_EQ(rm.to_vector(), std::vector<float>(rmd.begin(), rmd.end())) << "eval must not update";
}

// ---- dropout -----------------------------------------------------------------------------------

TEST(ConvOps, DropoutMaskIsConsistent) {
  Rng rng(23);
  const float p = 0.3f;
  Tensor x = random_tensor({8, 50}, rng);
  // The mask of a seed: dropout of ones is 1/(1-p) where kept, 0 where dropped.
  const std::vector<float> mask =
      ops::dropout(Tensor::full({8, 50}, 1.0f), p, true, 42).to_vector();
  int kept = 0;
  for (float m : mask) {
    ASSERT_TRUE(m == 0.0f || std::fabs(m - 1.0f / (1.0f - p)) < 1e-6f) << m;
    kept += m != 0.0f;
  }
  EXPECT_NEAR(kept / 400.0, 1.0 - p, 0.08);
  // The same seed draws the same mask; y = x * mask; the gradient is dy * mask.
  const Vec md(mask.begin(), mask.end());
  check_gradients(
      {x}, {true}, [&](const std::vector<Tensor>& t) { return ops::dropout(t[0], p, true, 42); },
      [&](const std::vector<Vec>& t) {
        Vec y(t[0].size());
        for (size_t i = 0; i < y.size(); ++i) y[i] = t[0][i] * md[i];
        return y;
      });
  EXPECT_NE(ops::dropout(Tensor::full({8, 50}, 1.0f), p, true, 43).to_vector(), mask);
  // Evaluation and p = 0 are the identity (the input itself).
  EXPECT_EQ(ops::dropout(x, p, false, 42).data(), x.data());
  EXPECT_EQ(ops::dropout(x, 0.0f, true, 42).data(), x.data());
  EXPECT_THROW(ops::dropout(x, 1.0f, true, 1), Error);
}

// ---- views -------------------------------------------------------------------------------------

TEST(ConvOps, FlattenAndUnflattenAreViews) {
  Rng rng(24);
  Tensor x = random_tensor({2, 3, 4, 5}, rng);
  Tensor f = ops::flatten(x);
  EXPECT_EQ(f.shape(), (Shape{2, 60}));
  EXPECT_EQ(f.data(), x.data());
  EXPECT_EQ(ops::flatten(x, 2).shape(), (Shape{2, 3, 20}));
  EXPECT_EQ(ops::flatten(x, -1).shape(), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(ops::unflatten(f, 1, {3, -1, 5}).shape(), (Shape{2, 3, 4, 5}));
  EXPECT_THROW(ops::unflatten(f, 1, {7, 8}), Error);
  check_gradients(
      {x}, {true},
      [](const std::vector<Tensor>& t) {
        return ops::exp(ops::unflatten(ops::flatten(t[0]), -1, {12, 5}));
      },
      [](const std::vector<Vec>& t) {
        Vec y(t[0].size());
        for (size_t i = 0; i < y.size(); ++i) y[i] = std::exp(t[0][i]);
        return y;
      });
}

// ---- errors ------------------------------------------------------------------------------------

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConvOps, ShapeErrorsAreOneClearLine) {
  Rng rng(25);
  Tensor x = random_tensor({2, 3, 8, 8}, rng), w = random_tensor({4, 2, 3, 3}, rng);
  const std::string e1 = error_of([&] { ops::conv2d(x, w, Tensor()); });
  EXPECT_NE(e1.find("conv2d: input has 3 channels"), std::string::npos) << e1;
  const std::string e2 = error_of([&] { ops::conv2d(random_tensor({2, 3, 8}, rng), w, Tensor()); });
  EXPECT_NE(e2.find("conv2d: input must be 4-D"), std::string::npos) << e2;
  const std::string e3 = error_of([&] {
    ops::conv2d(random_tensor({1, 2, 2, 2}, rng), w, Tensor());
  });
  EXPECT_NE(e3.find("smaller than the 3x3 kernel"), std::string::npos) << e3;
  const std::string e4 = error_of([&] {
    ops::conv_transpose2d(x, random_tensor({3, 2, 3, 3}, rng), Tensor(), 2, 1, 2);
  });
  EXPECT_NE(e4.find("output_padding"), std::string::npos) << e4;
  const std::string e5 = error_of([&] { ops::max_pool2d(x, 2, 2, 2); });
  EXPECT_NE(e5.find("at most half the kernel"), std::string::npos) << e5;
  const std::string e6 = error_of(
      [&] { ops::batch_norm(x, random_tensor({4}, rng), Tensor(), Tensor(), Tensor(), true); });
  EXPECT_NE(e6.find("does not match 3 channels"), std::string::npos) << e6;
  const std::string e7 = error_of([&] {
    ops::batch_norm(random_tensor({1, 3}, rng), Tensor(), Tensor(), Tensor(), Tensor(), true);
  });
  EXPECT_NE(e7.find("more than one value per channel"), std::string::npos) << e7;
  for (const auto& e : {e1, e2, e3, e4, e5, e6, e7})
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

// ---- modules -----------------------------------------------------------------------------------

TEST(ConvModules, BatchNorm2dKeepsBuffersOutOfTheParameters) {
  nn::BatchNorm2d bn(3);
  auto params = bn.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[1].first, "bias");
  auto bufs = bn.named_buffers();
  ASSERT_EQ(bufs.size(), 3u);
  EXPECT_EQ(bufs[0].first, "running_mean");
  EXPECT_EQ(bufs[1].first, "running_var");
  EXPECT_EQ(bufs[2].first, "num_batches_tracked");
  EXPECT_FALSE(bufs[0].second.requires_grad());
  EXPECT_EQ(bn.named_state().size(), 5u);
  EXPECT_EQ(bn.parameter_count(), 6);
}

TEST(ConvModules, BatchNorm2dStateRoundTrip) {
  Rng rng(26);
  nn::Sequential a;
  a.add(std::make_shared<nn::Conv2d>(2, 3, 3, rng, nn::ConvOptions{.padding = 1}));
  a.add(std::make_shared<nn::BatchNorm2d>(3));
  for (int i = 0; i < 3; ++i) a.forward(random_tensor({4, 2, 5, 5}, rng, -1.0, 2.0));
  auto& bn = static_cast<nn::BatchNorm2d&>(a[1]);
  EXPECT_EQ(bn.num_batches_tracked().item(), 3.0f);
  for (float v : bn.running_mean().to_vector()) EXPECT_NE(v, 0.0f);

  // A fresh model with other weights takes the whole state, buffers included, by name.
  Rng rng2(99);
  nn::Sequential b;
  b.add(std::make_shared<nn::Conv2d>(2, 3, 3, rng2, nn::ConvOptions{.padding = 1}));
  b.add(std::make_shared<nn::BatchNorm2d>(3));
  auto src = a.named_state(), dst = b.named_state();
  ASSERT_EQ(src.size(), dst.size());
  std::vector<std::string> names;
  for (size_t i = 0; i < src.size(); ++i) {
    ASSERT_EQ(src[i].first, dst[i].first);
    names.push_back(src[i].first);
    dst[i].second.copy_from(src[i].second);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                      "1.running_var", "1.num_batches_tracked"}));
  a.eval();
  b.eval();
  Tensor x = random_tensor({2, 2, 5, 5}, rng);
  EXPECT_EQ(a.forward(x).to_vector(), b.forward(x).to_vector());
  // Evaluation leaves the statistics alone.
  EXPECT_EQ(bn.num_batches_tracked().item(), 3.0f);
}

TEST(ConvModules, DropoutEvalIsIdentityAndTrainingIsSeeded) {
  Rng rng(27);
  Tensor x = random_tensor({4, 30}, rng);
  nn::Dropout d(0.5f, 7), d2(0.5f, 7);
  d.eval();
  EXPECT_EQ(d.forward(x).data(), x.data());
  d.train();
  const auto m1 = d.forward(x).to_vector(), m2 = d.forward(x).to_vector();
  EXPECT_NE(m1, m2) << "every call draws a fresh mask";
  EXPECT_EQ(d2.forward(x).to_vector(), m1) << "the same module seed draws the same masks";
  EXPECT_EQ(d2.forward(x).to_vector(), m2);
  EXPECT_EQ(d.calls(), 2u);
}

TEST(ConvModules, GaussianNoiseIsSeededUnitGainAndOffInEvaluation) {
  Rng rng(29);
  Tensor x = random_tensor({200, 50}, rng).set_requires_grad(true);
  nn::GaussianNoise n(2.0f, 9), n2(2.0f, 9);
  n.eval();
  EXPECT_EQ(n.forward(x).data(), x.data());
  n.train();
  const Tensor y = n.forward(x);
  const std::vector<float> a = y.to_vector(), b = x.to_vector();
  double s = 0, s2 = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] - b[i], s2 += double(a[i] - b[i]) * (a[i] - b[i]);
  const double mean = s / a.size(), sd = std::sqrt(s2 / a.size() - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.1);
  EXPECT_NEAR(sd, 2.0, 0.1);
  EXPECT_EQ(n2.forward(x).to_vector(), a) << "the same module seed draws the same noise";
  EXPECT_NE(n.forward(x).to_vector(), a) << "every call draws fresh noise";
  ops::sum(y).backward();
  for (float g : x.grad().to_vector()) ASSERT_EQ(g, 1.0f);
  EXPECT_EQ(nn::GaussianNoise(4.0f).describe(), "GaussianNoise(sigma=4.0)");
  EXPECT_THROW(nn::GaussianNoise(-1.0f), Error);
}

TEST(ConvModules, ShapesAndDescriptions) {
  Rng rng(28);
  nn::Conv2d conv(1, 32, 3, rng, {.stride = 2, .padding = 1, .act = ops::Act::ReLU});
  EXPECT_EQ(conv.describe(),
            "Conv2d(1, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), relu)");
  nn::ConvTranspose2d convt(64, 32, 3, rng, {.stride = 2, .padding = 1, .output_padding = 1});
  EXPECT_EQ(convt.describe(),
            "ConvTranspose2d(64, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
            "output_padding=(1, 1))");
  EXPECT_EQ(convt.named_parameters()[0].second.shape(), (Shape{64, 32, 3, 3}));
  EXPECT_EQ(nn::BatchNorm2d(32).describe(),
            "BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(nn::MaxPool2d(2).describe(), "MaxPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(nn::Upsample(2).describe(), "Upsample(scale_factor=2.0, mode='nearest')");
  EXPECT_EQ(nn::Dropout(0.25f).describe(), "Dropout(p=0.25)");
  EXPECT_EQ(nn::Flatten().describe(), "Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(nn::Unflatten(1, {64, 7, 7}).describe(),
            "Unflatten(dim=1, unflattened_size=(64, 7, 7))");

  Tensor x = random_tensor({3, 1, 28, 28}, rng);
  Tensor h = conv.forward(x);
  EXPECT_EQ(h.shape(), (Shape{3, 32, 14, 14}));
  for (float v : h.to_vector()) ASSERT_GE(v, 0.0f);
  EXPECT_EQ(nn::MaxPool2d(2).forward(h).shape(), (Shape{3, 32, 7, 7}));
  EXPECT_EQ(nn::AvgPool2d(2).forward(h).shape(), (Shape{3, 32, 7, 7}));
  EXPECT_EQ(nn::Upsample(2).forward(h).shape(), (Shape{3, 32, 28, 28}));
  // PyTorch's default init: U(±1/√fan_in) with fan_in = 1·3·3.
  for (float v : conv.named_parameters()[0].second.to_vector())
    ASSERT_LE(std::fabs(v), 1.0f / 3.0f);
}

}  // namespace
}  // namespace hg::test
