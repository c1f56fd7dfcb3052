// CPU convolution kernels: every algorithm (auto, im2col, direct) against the double-precision
// reference on awkward shapes, with NaN-poisoned outputs and on 1 and 2 threads; the references
// themselves against finite differences and the im2col/col2im adjoint identity. Pooling,
// upsampling, batch-norm and dropout are in test_pool.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernel_test_util.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu {
namespace {

using test::expect_close;
using test::kNaN;
using test::random_vec;
using test::Vec;

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
  return {shape(1, 1, 7, 5, 1, 3, 3, 1, 1), shape(3, 2, 9, 7, 4, 3, 3, 2, 1),
          shape(2, 4, 8, 8, 6, 1, 1, 1, 0), shape(2, 3, 11, 6, 5, 4, 4, 2, 2),
          shape(1, 4, 10, 9, 6, 3, 3, 1, 2, 2), shape(3, 4, 7, 7, 6, 3, 3, 2, 1, 1, 2),
          shape(2, 1, 28, 28, 8, 3, 3, 2, 1), shape(2, 8, 14, 14, 4, 3, 3, 2, 1),
          shape(1, 2, 3, 3, 3, 3, 3, 1, 0), shape(2, 3, 5, 4, 2, 3, 2, 3, 1),
          // C = 1 and K = 1; channel counts that leave tails in every register block (K 7, 13)
          shape(3, 1, 6, 9, 1, 3, 3, 1, 1), shape(3, 3, 13, 11, 7, 3, 3, 2, 2),
          shape(2, 4, 9, 9, 13, 1, 1, 2, 0), shape(1, 6, 6, 5, 4, 3, 3, 1, 1, 1, 2),
          // narrow outputs (Q = 1, 2, 3: vectors span several output rows), stride 3, big pad
          shape(2, 2, 9, 2, 3, 3, 3, 1, 1), shape(2, 3, 10, 7, 5, 2, 2, 3, 0),
          shape(1, 2, 5, 6, 3, 4, 4, 2, 2), shape(2, 2, 8, 17, 3, 3, 3, 1, 1),
          // the conv autoencoder's layers at a small batch
          shape(3, 1, 28, 28, 32, 3, 3, 2, 1), shape(2, 32, 14, 14, 64, 3, 3, 2, 1)};
}

// Shapes with different vertical and horizontal geometry.
std::vector<ConvShape> anisotropic_shapes() {
  ConvShape a = shape(2, 3, 11, 9, 5, 3, 2, 1, 0);
  a.stride_h = 2, a.stride_w = 1, a.pad_h = 1, a.pad_w = 0, a.dil_h = 1, a.dil_w = 2;
  ConvShape b = shape(3, 4, 7, 12, 6, 2, 3, 1, 0, 1, 2);
  b.stride_h = 1, b.stride_w = 3, b.pad_h = 0, b.pad_w = 2, b.dil_h = 2, b.dil_w = 1;
  return {a, b};
}

std::string describe(const ConvShape& s) {
  return "N" + std::to_string(s.N) + " C" + std::to_string(s.C) + " " + std::to_string(s.H) + "x" +
         std::to_string(s.W) + " K" + std::to_string(s.K) + " " + std::to_string(s.R) + "x" +
         std::to_string(s.S) + " s" + std::to_string(s.stride_h) + " p" + std::to_string(s.pad_h) +
         " d" + std::to_string(s.dil_h) + " g" + std::to_string(s.groups);
}

class ConvCpu : public ::testing::TestWithParam<std::string> {};

// Restores the thread count when a test ends.
struct ThreadScope {
  int saved = num_threads();
  explicit ThreadScope(int t) { set_num_threads(t); }
  ~ThreadScope() { set_num_threads(saved); }
};

void check_all_passes(const std::string& algo, const ConvShape& s, Rng& rng, double tol = 1e-5) {
  ASSERT_TRUE(s.valid()) << describe(s);
  const std::string what = (algo.empty() ? "auto" : algo) + " " + describe(s) + " threads " +
                           std::to_string(num_threads());
  Vec x = random_vec(s.x_numel(), rng), w = random_vec(s.w_numel(), rng), b = random_vec(s.K, rng),
      dy = random_vec(s.y_numel(), rng);
  Vec y_ref(s.y_numel()), y(s.y_numel(), kNaN);
  conv2d_forward_reference(s, x.data(), w.data(), b.data(), y_ref.data());
  conv2d_forward(s, x.data(), w.data(), b.data(), y.data(), Act::None, 0.01f, algo);
  expect_close(y, y_ref, tol, "forward " + what);

  // Without bias.
  Vec y_nb_ref(s.y_numel()), y_nb(s.y_numel(), kNaN);
  conv2d_forward_reference(s, x.data(), w.data(), nullptr, y_nb_ref.data());
  conv2d_forward(s, x.data(), w.data(), nullptr, y_nb.data(), Act::None, 0.01f, algo);
  expect_close(y_nb, y_nb_ref, tol, "forward no bias " + what);

  // Fused activations: the reference output passed through the activation. ReLU and leaky ReLU
  // run in registers on the direct path, sigmoid in a separate pass.
  const struct {
    Act act;
    double (*f)(double);
  } acts[] = {{Act::ReLU, [](double v) { return v > 0 ? v : 0.0; }},
              {Act::LeakyReLU, [](double v) { return v > 0 ? v : 0.2 * v; }},
              {Act::Sigmoid, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }}};
  for (const auto& a : acts) {
    std::fill(y.begin(), y.end(), kNaN);
    conv2d_forward(s, x.data(), w.data(), b.data(), y.data(), a.act, 0.2f, algo);
    Vec want(y_ref.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<float>(a.f(y_ref[i]));
    expect_close(y, want, tol, "forward act " + std::to_string(int(a.act)) + " " + what);
  }

  Vec dx_ref(s.x_numel()), dx(s.x_numel(), kNaN);
  conv2d_backward_data_reference(s, dy.data(), w.data(), dx_ref.data());
  conv2d_backward_data(s, dy.data(), w.data(), dx.data(), algo);
  expect_close(dx, dx_ref, tol, "backward data " + what);

  Vec dw_ref(s.w_numel()), dw(s.w_numel(), kNaN), db_ref(s.K), db(s.K, kNaN);
  conv2d_backward_weight_reference(s, x.data(), dy.data(), dw_ref.data(), db_ref.data());
  conv2d_backward_weight(s, x.data(), dy.data(), dw.data(), db.data(), algo);
  expect_close(dw, dw_ref, tol, "backward weight " + what);
  expect_close(db, db_ref, tol, "bias gradient " + what);

  // dbias is optional.
  std::fill(dw.begin(), dw.end(), kNaN);
  conv2d_backward_weight(s, x.data(), dy.data(), dw.data(), nullptr, algo);
  expect_close(dw, dw_ref, tol, "backward weight without dbias " + what);
}

TEST_P(ConvCpu, AllPassesMatchReference) {
  for (int threads : {1, 2}) {
    ThreadScope scope(threads);
    Rng rng(11);
    for (const ConvShape& s : awkward_shapes()) {
      check_all_passes(GetParam(), s, rng);
      if (HasFatalFailure()) return;
    }
    for (const ConvShape& s : anisotropic_shapes()) {
      check_all_passes(GetParam(), s, rng);
      if (HasFatalFailure()) return;
    }
  }
}

// A long reduction (C*R*S = 800 products of size ~0.25, summing to ~1 with cancellation): fp32
// summation error grows like sqrt(800) * 2^-24 * 0.25 * 800 ~ 3e-5 in the worst case, so the bound
// is 5e-5 here (still far below any indexing mistake, which moves values by ~0.1).
TEST_P(ConvCpu, LongReductionsStayWithinFp32Bound) {
  Rng rng(12);
  check_all_passes(GetParam(), shape(3, 32, 12, 10, 24, 5, 5, 1, 2), rng, 5e-5);
}

INSTANTIATE_TEST_SUITE_P(Algos, ConvCpu, ::testing::Values("", "im2col", "direct"));

// The reference backward passes are the gradients of the reference forward: <dy, d conv / d x>.
TEST(ConvReference, BackwardPassesMatchFiniteDifferences) {
  Rng rng(5);
  for (const ConvShape& s :
       {shape(1, 2, 5, 4, 3, 3, 3, 2, 1), shape(2, 4, 5, 5, 2, 2, 2, 1, 1, 2, 2)}) {
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
    const float h =
        1e-2f;  // the loss is linear in each input: differences are exact up to rounding
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
      EXPECT_NEAR(fd(x, i, [&] { return loss(x, w, b); }), dx[i], 2e-3)
          << describe(s) << " dx " << i;
    for (size_t i = 0; i < w.size(); i += 2)
      EXPECT_NEAR(fd(w, i, [&] { return loss(x, w, b); }), dw[i], 2e-3)
          << describe(s) << " dw " << i;
    for (size_t i = 0; i < b.size(); ++i)
      EXPECT_NEAR(fd(b, i, [&] { return loss(x, w, b); }), db[i], 2e-3)
          << describe(s) << " db " << i;
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

// im2col on a hand-checked case: 3x3 image 1..9, 2x2 filter, stride 2, pad 1 -> 2x2 output.
TEST(ConvReference, Im2colMatchesHandComputedPatches) {
  const ConvShape s = shape(1, 1, 3, 3, 1, 2, 2, 2, 1);
  ASSERT_EQ(s.out_h(), 2);
  ASSERT_EQ(s.out_w(), 2);
  Vec x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, cols(16, kNaN);
  im2col(s, x.data(), cols.data());
  // Row (r, t), column (p, q): x[2p - 1 + r, 2q - 1 + t], 0 outside.
  const Vec want = {0, 0, 0, 5,   // r 0, t 0
                    0, 0, 4, 6,   // r 0, t 1
                    0, 2, 0, 8,   // r 1, t 0
                    1, 3, 7, 9};  // r 1, t 1
  EXPECT_EQ(cols, want);
  Vec back(9, 0.0f);
  col2im(s, cols.data(), back.data());
  // Each pixel lies in exactly one of the four windows here, so col2im(im2col(x)) == x.
  EXPECT_EQ(back, x);
}

TEST(ConvCpu, InvalidShapeAndUnknownAlgoThrow) {
  Vec buf(4096, 0.0f);
  float* p = buf.data();
  ConvShape groups = shape(1, 3, 5, 5, 4, 3, 3, 1, 0, 1, 2);  // 3 channels do not split in 2 groups
  ConvShape empty = shape(1, 1, 2, 2, 1, 3, 3, 1, 0);  // 3x3 filter on a 2x2 image: no output
  ConvShape zero = shape(1, 1, 5, 5, 1, 3, 3, 0, 0);   // stride 0
  for (const ConvShape& bad : {groups, empty, zero}) {
    ASSERT_FALSE(bad.valid());
    for (const char* algo : {"", "im2col", "direct"}) {
      EXPECT_THROW(conv2d_forward(bad, p, p, nullptr, p, Act::None, 0.01f, algo), Error);
      EXPECT_THROW(conv2d_backward_data(bad, p, p, p, algo), Error);
      EXPECT_THROW(conv2d_backward_weight(bad, p, p, p, p, algo), Error);
    }
    EXPECT_THROW(conv2d_forward_reference(bad, p, p, nullptr, p), Error);
    EXPECT_THROW(conv2d_backward_data_reference(bad, p, p, p), Error);
    EXPECT_THROW(conv2d_backward_weight_reference(bad, p, p, p, p), Error);
  }
  try {
    conv2d_forward(groups, p, p, nullptr, p);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("groups 2"), std::string::npos) << e.what();
  }
  ConvShape s = shape(1, 1, 5, 5, 1, 3, 3, 1, 0);
  try {
    conv2d_backward_data(s, p, p, p, "fft");
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'fft'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(conv2d_forward(s, p, p, nullptr, p, Act::None, 0.01f, "fft"), Error);
  EXPECT_THROW(conv2d_backward_weight(s, p, p, p, p, "Direct"), Error);
  EXPECT_NO_THROW(conv2d_forward(s, p, p, nullptr, p, Act::None, 0.01f, "auto"));
}

// Thread count changes only the fp32 summation order of the weight gradient; a repeated call with
// the same thread count gives the same bits.
TEST(ConvCpu, RepeatedCallsAreBitIdentical) {
  Rng rng(13);
  const ConvShape s = shape(5, 3, 9, 9, 6, 3, 3, 2, 1);
  Vec x = random_vec(s.x_numel(), rng), dy = random_vec(s.y_numel(), rng);
  for (const char* algo : {"im2col", "direct"}) {
    Vec dw1(s.w_numel()), dw2(s.w_numel(), kNaN), db1(s.K), db2(s.K, kNaN);
    conv2d_backward_weight(s, x.data(), dy.data(), dw1.data(), db1.data(), algo);
    conv2d_backward_weight(s, x.data(), dy.data(), dw2.data(), db2.data(), algo);
    EXPECT_EQ(dw1, dw2) << algo;
    EXPECT_EQ(db1, db2) << algo;
  }
}

}  // namespace
}  // namespace hg::kernels::cpu
