// The CUDA convolution series (kernels/cuda/conv) against the CPU references
// (kernels::cpu::conv2d_*_reference, double accumulation): every algo x {forward with bias and an
// activation, backward-data, backward-weight with dbias} x awkward shapes (batch 1 and 3, stride
// 1/2, padding 0/1/2, odd and non-square sizes, dilation 2, groups 2, 1x1/3x3/4x4/3x1 filters,
// C = 1, K = 1, more channels than one 64-wide tile) and the conv autoencoder's two layers at
// batch 4. Inputs are fresh U(-1, 1) per case; outputs are freshly allocated (NaN-poisoned), so an
// element a kernel forgets to write fails.
//
// Tolerance: max_rel_error(got, want, atol = 0.1*sqrt(L)) <= 1e-4, L the length of the sum behind
// each output (C/G*R*S forward, K/G*R*S backward-data, N*P*Q backward-weight and dbias): i.e.
// |got - want| <= 1e-4*|want| + 1e-5*sqrt(L). A sum of L products of U(-1,1) values has size
// ~sqrt(L)/3, so this is ~3e-5 of a typical output plus a relative 1e-4: far above fp32 summation
// error (any order, FFT and Winograd included), far below any indexing bug.
//
// The name/dispatch tests at the end need no GPU and run everywhere.
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/util/error.h"
#include "gpu_test_util.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/conv.h"
#include "kernels/cuda/conv/conv.h"

namespace hg::test {
namespace {

namespace kcuda = kernels::cuda;
namespace kcpu = kernels::cpu;
using kcpu::Act;
using kernels::ConvShape;

struct Case {
  const char* label;
  ConvShape s;
};

ConvShape make(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
               int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dil = 1,
               int64_t groups = 1) {
  ConvShape s;
  s.N = N;
  s.C = C;
  s.H = H;
  s.W = W;
  s.K = K;
  s.R = R;
  s.S = S;
  s.stride_h = sh;
  s.stride_w = sw;
  s.pad_h = ph;
  s.pad_w = pw;
  s.dil_h = dil;
  s.dil_w = dil;
  s.groups = groups;
  return s;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"b1_1x1", make(1, 3, 5, 7, 4, 1, 1, 1, 1, 0, 0)},
      {"b3_3x3_s1_p1", make(3, 5, 9, 7, 6, 3, 3, 1, 1, 1, 1)},
      {"b3_3x3_s2_p1", make(3, 4, 11, 9, 5, 3, 3, 2, 2, 1, 1)},
      {"b1_3x3_s2_p0_odd", make(1, 2, 13, 8, 3, 3, 3, 2, 2, 0, 0)},
      {"b1_1x1_s2", make(1, 3, 7, 6, 2, 1, 1, 2, 2, 0, 0)},
      {"dil2_p2", make(2, 3, 10, 11, 4, 3, 3, 1, 1, 2, 2, 2)},
      {"dil2_s2_p1", make(3, 2, 12, 9, 3, 3, 3, 2, 2, 1, 1, 2)},
      {"groups2", make(3, 6, 7, 9, 8, 3, 3, 1, 1, 1, 1, 1, 2)},
      {"groups2_4x4_s2", make(2, 4, 9, 9, 6, 4, 4, 2, 2, 1, 1, 1, 2)},
      {"4x4_s2_p1", make(3, 3, 12, 10, 5, 4, 4, 2, 2, 1, 1)},
      {"3x1_s2x1", make(3, 3, 9, 6, 4, 3, 1, 2, 1, 1, 0)},
      {"C1", make(3, 1, 9, 9, 4, 3, 3, 1, 1, 1, 1)},
      {"K1", make(3, 4, 8, 7, 1, 3, 3, 1, 1, 0, 0)},
      {"wide_K70_C40", make(2, 40, 15, 17, 70, 3, 3, 1, 1, 1, 1)},
      {"ae_a_1x28x28_to_32", make(4, 1, 28, 28, 32, 3, 3, 2, 2, 1, 1)},
      {"ae_b_32x14x14_to_64", make(4, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1)},
  };
  return c;
}

const auto& kActs = kernels::kActivations;  // every row of kernels/common/activation.h

double atol_for(int64_t L) { return 0.1 * std::sqrt(double(L > 0 ? L : 1)); }
constexpr double kTol = 1e-4;

class ConvAlgo : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvAlgo, ForwardMatchesReference) {
  HG_REQUIRE_GPU();
  const std::string algo = GetParam();
  uint64_t seed = 100;
  int idx = 0;
  for (const Case& c : cases()) {
    const ConvShape& s = c.s;
    const Act act = kActs[idx++ % 6];
    SCOPED_TRACE(std::string(c.label) + " act=" + std::to_string(int(act)));
    const auto hx = random_vector(size_t(s.x_numel()), seed++);
    const auto hw = random_vector(size_t(s.w_numel()), seed++);
    const auto hb = random_vector(size_t(s.K), seed++);
    std::vector<float> want(size_t(s.y_numel()));
    kcpu::conv2d_forward_reference(s, hx.data(), hw.data(), hb.data(), want.data());
    kcpu::act_forward(act, want.data(), want.data(), int64_t(want.size()), 0.01f);
    DeviceBuffer x(hx), w(hw), b(hb), y(size_t(s.y_numel()));
    kcuda::conv2d_forward(algo, s, x.get(), w.get(), b.get(), y.get(), act, 0.01f, nullptr);
    const double err = max_rel_error(y.download(), want, atol_for(s.c_per_group() * s.R * s.S));
    EXPECT_LE(err, kTol) << algo << " forward " << c.label;

    // Without bias (nullptr) and without activation.
    std::vector<float> want_nb(size_t(s.y_numel()));
    kcpu::conv2d_forward_reference(s, hx.data(), hw.data(), nullptr, want_nb.data());
    DeviceBuffer y2(size_t(s.y_numel()));
    kcuda::conv2d_forward(algo, s, x.get(), w.get(), nullptr, y2.get(), Act::None, 0.01f, nullptr);
    EXPECT_LE(max_rel_error(y2.download(), want_nb, atol_for(s.c_per_group() * s.R * s.S)), kTol)
        << algo << " forward (no bias) " << c.label;
  }
}

TEST_P(ConvAlgo, BackwardDataMatchesReference) {
  HG_REQUIRE_GPU();
  const std::string algo = GetParam();
  uint64_t seed = 200;
  for (const Case& c : cases()) {
    const ConvShape& s = c.s;
    SCOPED_TRACE(c.label);
    const auto hdy = random_vector(size_t(s.y_numel()), seed++);
    const auto hw = random_vector(size_t(s.w_numel()), seed++);
    std::vector<float> want(size_t(s.x_numel()));
    kcpu::conv2d_backward_data_reference(s, hdy.data(), hw.data(), want.data());
    DeviceBuffer dy(hdy), w(hw), dx(size_t(s.x_numel()));
    kcuda::conv2d_backward_data(algo, s, dy.get(), w.get(), dx.get(), nullptr);
    const double err = max_rel_error(dx.download(), want, atol_for(s.k_per_group() * s.R * s.S));
    EXPECT_LE(err, kTol) << algo << " backward-data " << c.label;
  }
}

TEST_P(ConvAlgo, BackwardWeightMatchesReference) {
  HG_REQUIRE_GPU();
  const std::string algo = GetParam();
  uint64_t seed = 300;
  for (const Case& c : cases()) {
    const ConvShape& s = c.s;
    SCOPED_TRACE(c.label);
    const auto hx = random_vector(size_t(s.x_numel()), seed++);
    const auto hdy = random_vector(size_t(s.y_numel()), seed++);
    std::vector<float> want_w(size_t(s.w_numel())), want_b(size_t(s.K));
    kcpu::conv2d_backward_weight_reference(s, hx.data(), hdy.data(), want_w.data(), want_b.data());
    DeviceBuffer x(hx), dy(hdy), dw(size_t(s.w_numel())), db(size_t(s.K));
    kcuda::conv2d_backward_weight(algo, s, x.get(), dy.get(), dw.get(), db.get(), nullptr);
    const int64_t L = s.N * s.out_h() * s.out_w();
    EXPECT_LE(max_rel_error(dw.download(), want_w, atol_for(L)), kTol)
        << algo << " backward-weight dw " << c.label;
    EXPECT_LE(max_rel_error(db.download(), want_b, atol_for(L)), kTol)
        << algo << " backward-weight dbias " << c.label;

    // dbias nullable.
    DeviceBuffer dw2(size_t(s.w_numel()));
    kcuda::conv2d_backward_weight(algo, s, x.get(), dy.get(), dw2.get(), nullptr, nullptr);
    EXPECT_LE(max_rel_error(dw2.download(), want_w, atol_for(L)), kTol)
        << algo << " backward-weight (no dbias) " << c.label;
  }
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& ch : n)
    if (ch == '-') ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(All, ConvAlgo, ::testing::ValuesIn(kcuda::conv_algo_names()), param_name);

// The hg algos are deterministic: the same call twice gives the same bits (split-K included).
TEST(ConvCuda, HgAlgosAreDeterministic) {
  HG_REQUIRE_GPU();
  const ConvShape s = make(4, 32, 14, 14, 64, 3, 3, 2, 2, 1, 1);
  DeviceBuffer x(random_vector(size_t(s.x_numel()), 1)), dy(random_vector(size_t(s.y_numel()), 2));
  for (const std::string algo : {"hg-direct", "hg-im2col", "hg-implicit"}) {
    DeviceBuffer dw1(size_t(s.w_numel())), dw2(size_t(s.w_numel()));
    DeviceBuffer db1(size_t(s.K)), db2(size_t(s.K));
    kcuda::conv2d_backward_weight(algo, s, x.get(), dy.get(), dw1.get(), db1.get(), nullptr);
    kcuda::conv2d_backward_weight(algo, s, x.get(), dy.get(), dw2.get(), db2.get(), nullptr);
    EXPECT_EQ(dw1.download(), dw2.download()) << algo;
    EXPECT_EQ(db1.download(), db2.download()) << algo;
  }
}

// "" means the default algo, and works.
TEST(ConvCuda, EmptyNameUsesDefault) {
  HG_REQUIRE_GPU();
  const ConvShape s = make(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1);
  const auto hx = random_vector(size_t(s.x_numel()), 7), hw = random_vector(size_t(s.w_numel()), 8);
  std::vector<float> want(size_t(s.y_numel()));
  kcpu::conv2d_forward_reference(s, hx.data(), hw.data(), nullptr, want.data());
  DeviceBuffer x(hx), w(hw), y(size_t(s.y_numel()));
  kcuda::conv2d_forward("", s, x.get(), w.get(), nullptr, y.get());
  EXPECT_LE(max_rel_error(y.download(), want, atol_for(27)), kTol);
}

// ---- no GPU needed below -----------------------------------------------------------------------

// Restores $HG_CONV when the test ends.
class EnvGuard {
 public:
  EnvGuard() {
    const char* v = std::getenv("HG_CONV");
    had_ = v != nullptr;
    if (had_) old_ = v;
  }
  ~EnvGuard() {
    if (had_)
      setenv("HG_CONV", old_.c_str(), 1);
    else
      unsetenv("HG_CONV");
  }

 private:
  bool had_ = false;
  std::string old_;
};

TEST(ConvCudaNames, ListsTheSeries) {
  const auto names = kcuda::conv_algo_names();
  std::vector<std::string> want = {"hg-direct", "hg-im2col", "hg-implicit"};
#ifdef HG_HAVE_CUDNN
  want.push_back("cudnn");
#endif
  EXPECT_EQ(names, want);
}

TEST(ConvCudaNames, DefaultAndEnvironment) {
  EnvGuard guard;
  unsetenv("HG_CONV");
  EXPECT_EQ(kcuda::default_conv_algo(), "hg-implicit");
  setenv("HG_CONV", "hg-direct", 1);
  EXPECT_EQ(kcuda::default_conv_algo(), "hg-direct");
  setenv("HG_CONV", "no-such-conv", 1);
  try {
    kcuda::default_conv_algo();
    FAIL() << "an unknown $HG_CONV must throw";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no-such-conv"), std::string::npos) << msg;
    EXPECT_NE(msg.find("HG_CONV"), std::string::npos) << msg;
    EXPECT_NE(msg.find("hg-implicit"), std::string::npos) << msg;
  }
}

TEST(ConvCudaNames, UnknownAlgoAndBadShapeThrowBeforeLaunching) {
  EnvGuard guard;
  unsetenv("HG_CONV");
  const ConvShape s = make(1, 2, 5, 5, 2, 3, 3, 1, 1, 1, 1);
  EXPECT_THROW(kcuda::conv2d_forward("hg-bogus", s, nullptr, nullptr, nullptr, nullptr), Error);
  EXPECT_THROW(kcuda::conv2d_backward_data("hg-bogus", s, nullptr, nullptr, nullptr), Error);
  EXPECT_THROW(kcuda::conv2d_backward_weight("hg-bogus", s, nullptr, nullptr, nullptr, nullptr),
               Error);
#ifndef HG_HAVE_CUDNN
  EXPECT_THROW(kcuda::conv2d_forward("cudnn", s, nullptr, nullptr, nullptr, nullptr), Error);
#endif
  ConvShape bad = make(1, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 2);  // C = 3 not divisible by 2 groups
  EXPECT_THROW(kcuda::conv2d_forward("hg-direct", bad, nullptr, nullptr, nullptr, nullptr), Error);
  EXPECT_THROW(kcuda::conv2d_forward("hg-direct", s, nullptr, nullptr, nullptr, nullptr), Error)
      << "null pointers must be rejected";
}

}  // namespace
}  // namespace hg::test
