// The CUDA elementwise, activation, transpose and init kernels (kernels/cuda/ops) against their
// CPU twins (kernels/cpu) on awkward sizes, with 16-byte-aligned and misaligned device pointers
// (float4 path and scalar path), outputs NaN-poisoned before launch and a NaN guard after the end
// of every output that must survive (no out-of-bounds writes). Skips without a usable GPU.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cuda/ops/activation.h"
#include "kernels/cuda/ops/elementwise.h"
#include "kernels/cuda/ops/init.h"
#include "kernels/cuda/ops/transpose.h"

namespace hg::test {
namespace {

namespace cpu = ::hg::kernels::cpu;
namespace gpu = ::hg::kernels::cuda;

const int64_t kSizes[] = {1, 7, 33, 1000, 4097};
const size_t kOffsets[] = {0, 1};  // 0: 16-byte aligned (float4 path); 1: misaligned (scalar path)

std::vector<float> rnd(int64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  return random_vector(static_cast<size_t>(n), seed, lo, hi);
}

#define EXPECT_CLOSE(got, want, tol, what)                                              \
  do {                                                                                  \
    const double err_ = max_rel_error((got), (want));                                   \
    EXPECT_LE(err_, (tol)) << what;                                                     \
  } while (0)

// ---- elementwise ----------------------------------------------------------------------------------

TEST(CudaOps, FillAndCopy) {
  HG_REQUIRE_GPU();
  for (int64_t n : kSizes)
    for (size_t off : kOffsets) {
      DevVec y(static_cast<size_t>(n), off);
      gpu::fill(y.get(), 3.25f, n);
      EXPECT_EQ(y.download(), std::vector<float>(static_cast<size_t>(n), 3.25f)) << "fill n=" << n;
      EXPECT_TRUE(y.guard_intact()) << "fill n=" << n;
      auto x = rnd(n, 11);
      DevVec xd(x, off), z(static_cast<size_t>(n), 1 - off);
      gpu::copy(xd.get(), z.get(), n);
      EXPECT_EQ(z.download(), x) << "copy n=" << n;
      EXPECT_TRUE(z.guard_intact());
    }
}

TEST(CudaOps, BinaryAndUnaryMatchCpu) {
  HG_REQUIRE_GPU();
  for (int64_t n : kSizes)
    for (size_t off : kOffsets) {
      const auto a = rnd(n, 1), b = rnd(n, 2), pos = rnd(n, 3, 0.01f, 10.0f), big = rnd(n, 4, -10, 10);
      DevVec ad(a, off), bd(b, off), posd(pos, off), bigd(big, off);
      std::vector<float> want(static_cast<size_t>(n));
      auto check = [&](const char* name, auto gpu_call, auto cpu_call, double tol) {
        DevVec y(static_cast<size_t>(n), off);
        gpu_call(y.get());
        cpu_call(want.data());
        EXPECT_CLOSE(y.download(), want, tol, name << " n=" << n << " off=" << off);
        EXPECT_TRUE(y.guard_intact()) << name << " n=" << n;
      };
      check("add", [&](float* y) { gpu::add(ad.get(), bd.get(), y, n); },
            [&](float* y) { cpu::add(a.data(), b.data(), y, n); }, 0.0);
      check("sub", [&](float* y) { gpu::sub(ad.get(), bd.get(), y, n); },
            [&](float* y) { cpu::sub(a.data(), b.data(), y, n); }, 0.0);
      check("mul", [&](float* y) { gpu::mul(ad.get(), bd.get(), y, n); },
            [&](float* y) { cpu::mul(a.data(), b.data(), y, n); }, 0.0);
      check("scale", [&](float* y) { gpu::scale(ad.get(), -1.5f, y, n); },
            [&](float* y) { cpu::scale(a.data(), -1.5f, y, n); }, 0.0);
      check("add_scalar", [&](float* y) { gpu::add_scalar(ad.get(), 0.75f, y, n); },
            [&](float* y) { cpu::add_scalar(a.data(), 0.75f, y, n); }, 0.0);
      check("exp", [&](float* y) { gpu::exp(bigd.get(), y, n); },
            [&](float* y) { cpu::exp(big.data(), y, n); }, 1e-5);
      check("log", [&](float* y) { gpu::log(posd.get(), y, n); },
            [&](float* y) { cpu::log(pos.data(), y, n); }, 1e-5);
      // axpy accumulates into y: start both sides from b.
      check("axpy",
            [&](float* y) {
              kernels::cuda::copy_host_to_device(y, b.data(), b.size() * sizeof(float));
              gpu::axpy(0.37f, ad.get(), y, n);
            },
            [&](float* y) {
              std::copy(b.begin(), b.end(), y);
              cpu::axpy(0.37f, a.data(), y, n);
            },
            1e-6);
    }
}

TEST(CudaOps, InPlaceAliasing) {
  HG_REQUIRE_GPU();
  for (size_t off : kOffsets) {
    const int64_t n = 4097;
    auto a = rnd(n, 5), b = rnd(n, 6);
    DevVec ad(a, off), bd(b, off);
    gpu::add(ad.get(), bd.get(), ad.get(), n);  // a = a + b
    gpu::scale(ad.get(), 2.0f, ad.get(), n);    // a = 2a
    std::vector<float> want = a;
    cpu::add(want.data(), b.data(), want.data(), n);
    cpu::scale(want.data(), 2.0f, want.data(), n);
    EXPECT_EQ(ad.download(), want);
  }
}

TEST(CudaOps, AddRowVector) {
  HG_REQUIRE_GPU();
  const std::pair<int64_t, int64_t> shapes[] = {{1, 1}, {7, 33}, {1000, 784}, {3, 4097}, {5, 2048}};
  for (auto [rows, cols] : shapes)
    for (size_t off : kOffsets) {
      const auto x = rnd(rows * cols, 7), b = rnd(cols, 8);
      DevVec xd(x, off), bd(b, off), y(static_cast<size_t>(rows * cols), off);
      gpu::add_row_vector(xd.get(), bd.get(), y.get(), rows, cols);
      std::vector<float> want(x.size());
      cpu::add_row_vector(x.data(), b.data(), want.data(), rows, cols);
      EXPECT_EQ(y.download(), want) << rows << "x" << cols << " off=" << off;
      EXPECT_TRUE(y.guard_intact());
      gpu::add_row_vector(xd.get(), bd.get(), xd.get(), rows, cols);  // in place
      EXPECT_EQ(xd.download(), want) << "in place " << rows << "x" << cols;
    }
}

// ---- activations ----------------------------------------------------------------------------------

const cpu::Act kActs[] = {cpu::Act::None, cpu::Act::ReLU, cpu::Act::LeakyReLU,
                          cpu::Act::Sigmoid, cpu::Act::Tanh, cpu::Act::Softplus};

TEST(CudaOps, ActivationForwardBackwardMatchCpu) {
  HG_REQUIRE_GPU();
  const float alpha = 0.2f;
  for (cpu::Act act : kActs)
    for (int64_t n : kSizes)
      for (size_t off : kOffsets) {
        auto x = rnd(n, 21, -6.0f, 6.0f), dy = rnd(n, 22);
        if (n >= 7) x[3] = 0.0f, x[5] = -30.0f, x[6] = 30.0f;  // the branch point and the extremes
        std::vector<float> y(x.size()), dx(x.size());
        cpu::act_forward(act, x.data(), y.data(), n, alpha);
        cpu::act_backward(act, x.data(), y.data(), dy.data(), dx.data(), n, alpha);
        DevVec xd(x, off), yd(static_cast<size_t>(n), off), dyd(dy, off), dxd(static_cast<size_t>(n), off);
        gpu::act_forward(act, xd.get(), yd.get(), n, alpha);
        EXPECT_CLOSE(yd.download(), y, 1e-5, "forward act=" << int(act) << " n=" << n);
        EXPECT_TRUE(yd.guard_intact());
        // Backward from the CPU's y so both sides see the same forward values; the input the
        // activation does not need is passed as null.
        yd.upload(y);
        const bool needs_y = act == cpu::Act::Sigmoid || act == cpu::Act::Tanh;
        gpu::act_backward(act, needs_y ? nullptr : xd.get(), needs_y ? yd.get() : nullptr,
                          dyd.get(), dxd.get(), n, alpha);
        EXPECT_CLOSE(dxd.download(), dx, 1e-5, "backward act=" << int(act) << " n=" << n);
        EXPECT_TRUE(dxd.guard_intact());
        // In place: y == x forward, dx == dy backward.
        gpu::act_forward(act, xd.get(), xd.get(), n, alpha);
        EXPECT_CLOSE(xd.download(), y, 1e-5, "in-place forward act=" << int(act));
        xd.upload(x);
        gpu::act_backward(act, xd.get(), yd.get(), dyd.get(), dyd.get(), n, alpha);
        EXPECT_CLOSE(dyd.download(), dx, 1e-5, "in-place backward act=" << int(act));
      }
}

// ---- transpose ------------------------------------------------------------------------------------

TEST(CudaOps, TransposeExact) {
  HG_REQUIRE_GPU();
  const std::pair<int64_t, int64_t> shapes[] = {{1, 1},  {7, 33},  {1000, 784}, {33, 1},
                                                {1, 1000}, {65, 97}, {32, 64}};
  for (auto [rows, cols] : shapes)
    for (size_t off : kOffsets) {
      const auto x = rnd(rows * cols, 31);
      DevVec xd(x, off), y(static_cast<size_t>(rows * cols), off);
      gpu::transpose(xd.get(), y.get(), rows, cols);
      std::vector<float> want(x.size());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) want[static_cast<size_t>(c * rows + r)] = x[static_cast<size_t>(r * cols + c)];
      EXPECT_EQ(y.download(), want) << rows << "x" << cols;
      EXPECT_TRUE(y.guard_intact());
    }
}

// ---- init -----------------------------------------------------------------------------------------

struct Moments {
  double mean = 0, stddev = 0, lo = 0, hi = 0;
};
Moments moments(const std::vector<float>& v) {
  Moments m;
  double s = 0, s2 = 0;
  m.lo = m.hi = v.empty() ? 0 : v[0];
  for (float x : v) {
    s += x;
    s2 += double(x) * x;
    m.lo = std::min(m.lo, double(x));
    m.hi = std::max(m.hi, double(x));
  }
  const double n = double(v.size());
  m.mean = s / n;
  m.stddev = std::sqrt(std::max(0.0, s2 / n - m.mean * m.mean));
  return m;
}

TEST(CudaOps, InitUniformStatisticsAndDeterminism) {
  HG_REQUIRE_GPU();
  const int64_t n = 1 << 20;
  const float lo = -2.0f, hi = 3.0f;
  DevVec a(static_cast<size_t>(n), 0), b(static_cast<size_t>(n), 1), c(static_cast<size_t>(n), 0);
  gpu::init_uniform(a.get(), n, lo, hi, 42);
  gpu::init_uniform(b.get(), n, lo, hi, 42);
  gpu::init_uniform(c.get(), n, lo, hi, 43);
  const auto av = a.download(), bv = b.download(), cv = c.download();
  EXPECT_EQ(av, bv) << "same seed, same values (any alignment)";
  EXPECT_NE(av, cv) << "another seed, other values";
  EXPECT_TRUE(a.guard_intact() && b.guard_intact());
  const Moments m = moments(av);
  const double sd = (hi - lo) / std::sqrt(12.0);
  EXPECT_NEAR(m.mean, 0.5 * (lo + hi), 5 * sd / std::sqrt(double(n)));
  EXPECT_NEAR(m.stddev, sd, 0.01 * sd);
  EXPECT_GE(m.lo, lo);
  EXPECT_LE(m.hi, hi);
  EXPECT_LT(m.lo, lo + 0.001);
  EXPECT_GT(m.hi, hi - 0.001);
  // Element i depends only on (seed, i): a shorter tensor is a prefix.
  DevVec d(1000, 0);
  gpu::init_uniform(d.get(), 1000, lo, hi, 42);
  EXPECT_EQ(d.download(), std::vector<float>(av.begin(), av.begin() + 1000));
  // Neighbouring elements are not correlated (lag-1 correlation ~ 0).
  double cov = 0;
  for (int64_t i = 0; i + 1 < n; ++i) cov += (av[i] - m.mean) * (av[i + 1] - m.mean);
  EXPECT_LT(std::fabs(cov / double(n - 1) / (m.stddev * m.stddev)), 5.0 / std::sqrt(double(n)));
}

TEST(CudaOps, InitNormalStatisticsAndDeterminism) {
  HG_REQUIRE_GPU();
  for (int64_t n : {int64_t(1), int64_t(7), int64_t(4097), int64_t((1 << 20) + 1)}) {
    const float mean = 1.0f, sd = 2.0f;
    DevVec a(static_cast<size_t>(n), 0), b(static_cast<size_t>(n), 1);
    gpu::init_normal(a.get(), n, mean, sd, 7);
    gpu::init_normal(b.get(), n, mean, sd, 7);
    const auto av = a.download();
    EXPECT_EQ(av, b.download()) << "n=" << n;
    EXPECT_TRUE(a.guard_intact()) << "n=" << n;  // odd n: the last pair writes one element only
    for (float x : av) ASSERT_TRUE(std::isfinite(x)) << "n=" << n;
    if (n < 4097) continue;
    const Moments m = moments(av);
    EXPECT_NEAR(m.mean, mean, 5 * sd / std::sqrt(double(n))) << "n=" << n;
    EXPECT_NEAR(m.stddev, sd, 5 * sd / std::sqrt(2.0 * double(n))) << "n=" << n;
    if (n > 100000) {
      const double within1 = double(std::count_if(av.begin(), av.end(), [&](float x) {
                               return std::fabs(x - mean) < sd;
                             })) / double(n);
      EXPECT_NEAR(within1, 0.682689, 0.005);
      EXPECT_LT(m.lo, mean - 4 * sd);  // tails exist
      EXPECT_GT(m.hi, mean + 4 * sd);
    }
  }
}

}  // namespace
}  // namespace hg::test
