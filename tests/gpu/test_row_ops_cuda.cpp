// The row-wise ops and the noise ops on the GPU against the CPU: first each CUDA kernel
// (kernels/cuda/ops/rows.h, random.h, abs and act_derivative) against its CPU twin on awkward
// shapes with NaN-poisoned outputs and NaN guards after them (every element written, none beyond),
// then each op through autograd on CUDA tensors against the CPU (forward values and every input
// gradient within 1e-5 relative). randn and corrupt must draw the same noise as the CPU for the
// same seed. Skips without a usable GPU.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/ops/kernel_select.h"
#include "engine/ops/ops.h"
#include "gpu_test_util.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/random.h"
#include "kernels/cpu/rows.h"
#include "kernels/cuda/ops/activation.h"
#include "kernels/cuda/ops/elementwise.h"
#include "kernels/cuda/ops/random.h"
#include "kernels/cuda/ops/rows.h"

namespace hg::test {
namespace {

namespace cpu = ::hg::kernels::cpu;
namespace gpu = ::hg::kernels::cuda;

constexpr double kTol = 1e-5;
const std::pair<int64_t, int64_t> kShapes[] = {{1, 1}, {7, 45}, {33, 1000}, {5, 257}, {300, 3}};

std::vector<float> rnd(int64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  return random_vector(static_cast<size_t>(n), seed, lo, hi);
}

// Runs `launch` into a fresh NaN-poisoned device vector of n floats (offset 1 float: not 16-byte
// aligned, the harder case for the float4 paths), compares with `want`, checks the guard.
void check_kernel(const std::string& what, size_t n, const std::vector<float>& want,
                  const std::function<void(float*)>& launch, double tol = kTol) {
  for (size_t off : {size_t(0), size_t(1)}) {
    DevVec y(n, off);
    launch(y.get());
    EXPECT_LE(max_rel_error(y.download(), want), tol) << what << " off=" << off;
    EXPECT_TRUE(y.guard_intact()) << what << " off=" << off << ": wrote out of bounds";
  }
}

// ---- kernels against their CPU twins
// -------------------------------------------------------------

TEST(RowOpsCuda, RowKernelsMatchCpu) {
  HG_REQUIRE_GPU();
  for (auto [R, D] : kShapes) {
    const std::string sh = " " + std::to_string(R) + "x" + std::to_string(D);
    const auto x = rnd(R * D, 1), s = rnd(R, 2), g = rnd(R * D, 3);
    DevVec xd(x, 0), sd(s, 0), gd(g, 0);
    for (int64_t k : {1, 3}) {
      std::vector<float> want(static_cast<size_t>(R * k * D));
      cpu::repeat_rows(x.data(), want.data(), R, D, k);
      check_kernel(
          "repeat_rows k=" + std::to_string(k) + sh, want.size(), want,
          [&](float* y) { gpu::repeat_rows(xd.get(), y, R, D, k); }, 0.0);
      cpu::tile_rows(x.data(), want.data(), R, D, k);
      check_kernel(
          "tile_rows times=" + std::to_string(k) + sh, want.size(), want,
          [&](float* y) { gpu::tile_rows(xd.get(), y, R, D, k); }, 0.0);
      // sum_row_groups over the [R*k, D] gradient of a repeat.
      const auto gk = rnd(R * k * D, 4);
      DevVec gkd(gk, 0);
      std::vector<float> sums(static_cast<size_t>(R * D));
      cpu::sum_row_groups(gk.data(), sums.data(), R, k, D);
      check_kernel("sum_row_groups k=" + std::to_string(k) + sh, sums.size(), sums,
                   [&](float* y) { gpu::sum_row_groups(gkd.get(), y, R, k, D); });
    }
    std::vector<float> want(static_cast<size_t>(R * D));
    cpu::scale_rows(x.data(), s.data(), want.data(), R, D);
    check_kernel(
        "scale_rows" + sh, want.size(), want,
        [&](float* y) { gpu::scale_rows(xd.get(), sd.get(), y, R, D); }, 0.0);
    std::vector<float> dots(static_cast<size_t>(R));
    cpu::row_dot(g.data(), x.data(), dots.data(), R, D);
    check_kernel("row_dot" + sh, dots.size(), dots,
                 [&](float* y) { gpu::row_dot(gd.get(), xd.get(), y, R, D); });
    for (auto [start, len] : {std::pair<int64_t, int64_t>{0, D},
                              {D / 3, D - D / 3},
                              {D - 1, 1},
                              {D / 2, (D + 1) / 4}}) {
      if (len <= 0) continue;
      const std::string sl = " [" + std::to_string(start) + ", +" + std::to_string(len) + ")" + sh;
      std::vector<float> part(static_cast<size_t>(R * len));
      cpu::slice_cols(x.data(), part.data(), R, D, start, len);
      check_kernel(
          "slice_cols" + sl, part.size(), part,
          [&](float* y) { gpu::slice_cols(xd.get(), y, R, D, start, len); }, 0.0);
      DevVec partd(part, 0);
      std::vector<float> back(static_cast<size_t>(R * D));
      cpu::slice_cols_backward(part.data(), back.data(), R, D, start, len);
      check_kernel(
          "slice_cols_backward" + sl, back.size(), back,
          [&](float* y) { gpu::slice_cols_backward(partd.get(), y, R, D, start, len); }, 0.0);
    }
  }
}

TEST(RowOpsCuda, ActDerivativeKernelsMatchCpu) {
  HG_REQUIRE_GPU();
  for (int64_t n : {1, 7, 315, 33000}) {
    auto x = rnd(n, 5, -2.0f, 2.0f);
    x[0] = 0.0f;  // sign(0) = 0
    const auto y01 = rnd(n, 7, 0.0f, 1.0f);
    DevVec xd(x, 0), y01d(y01, 0);
    std::vector<float> want(static_cast<size_t>(n));
    const std::string sn = " n=" + std::to_string(n);
    for (cpu::Act a :
         {cpu::Act::None, cpu::Act::ReLU, cpu::Act::LeakyReLU, cpu::Act::Sigmoid, cpu::Act::Tanh}) {
      // Outputs in the activation's range: (0, 1) for sigmoid, else (-2, 2) with x's exact zero.
      const auto& yin = a == cpu::Act::Sigmoid ? y01 : x;
      const float* yg = a == cpu::Act::Sigmoid ? y01d.get() : xd.get();
      const std::string an = " " + std::to_string(static_cast<int>(a)) + sn;
      cpu::act_derivative(a, yin.data(), want.data(), n, 0.2f);
      check_kernel(
          "act_derivative" + an, want.size(), want,
          [&](float* y) { gpu::act_derivative(a, yg, y, n, 0.2f); }, 0.0);
    }
  }
  EXPECT_THROW(gpu::act_derivative(cpu::Act::Softplus, nullptr, nullptr, 4), Error);
}

TEST(RowOpsCuda, RandnAndCorruptDrawTheCpuNoise) {
  HG_REQUIRE_GPU();
  for (int64_t n : {1, 45, 33000, 100001}) {
    const std::string sn = " n=" + std::to_string(n);
    for (uint64_t seed : {uint64_t(0), uint64_t(42), uint64_t(0xdeadbeefcafeULL)}) {
      std::vector<float> want(static_cast<size_t>(n));
      cpu::randn(want.data(), n, seed);
      // Same draws to within fp32 rounding of a double Box-Muller: 1e-5 absolute (|z| < 7).
      for (size_t off : {size_t(0), size_t(1)}) {
        DevVec y(static_cast<size_t>(n), off);
        gpu::randn(y.get(), n, seed);
        const auto got = y.download();
        double worst = 0;
        for (int64_t i = 0; i < n; ++i)
          worst =
              std::max(worst, std::isnan(got[i]) ? INFINITY : std::fabs(double(got[i]) - want[i]));
        EXPECT_LE(worst, 1e-5) << "randn seed=" << seed << sn;
        EXPECT_TRUE(y.guard_intact()) << "randn" << sn;
      }
      const auto x = rnd(n, 8, -0.5f, 1.5f);
      DevVec xd(x, 0);
      for (auto [kind, p] : {std::pair<cpu::Noise, float>{cpu::Noise::Mask, 0.25f},
                             {cpu::Noise::SaltPepper, 0.1f},
                             {cpu::Noise::Mask, 1.0f},
                             {cpu::Noise::Gaussian, 0.3f}})
        for (bool clip : {false, true}) {
          cpu::corrupt(kind, x.data(), want.data(), n, p, seed, clip);
          const std::string what = "corrupt " + std::to_string(static_cast<int>(kind)) +
                                   " p=" + std::to_string(p) + (clip ? " clip" : "") + sn;
          // Masks are integer decisions: bit-identical. Gaussian: 1e-5 absolute.
          for (size_t off : {size_t(0), size_t(1)}) {
            DevVec y(static_cast<size_t>(n), off);
            gpu::corrupt(kind, xd.get(), y.get(), n, p, seed, clip);
            const auto got = y.download();
            if (kind == cpu::Noise::Gaussian) {
              double worst = 0;
              for (int64_t i = 0; i < n; ++i)
                worst = std::max(
                    worst, std::isnan(got[i]) ? INFINITY : std::fabs(double(got[i]) - want[i]));
              EXPECT_LE(worst, 1e-5) << what;
            } else {
              EXPECT_EQ(got, want) << what;
            }
            EXPECT_TRUE(y.guard_intact()) << what;
          }
        }
    }
  }
  EXPECT_THROW(gpu::corrupt(cpu::Noise::Mask, nullptr, nullptr, 4, 1.5f, 1, false), Error);
}

// ---- ops through autograd
// ---------------------------------------------------------------------------

Tensor random_host(const Shape& shape, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data()[i] = lo + (hi - lo) * static_cast<float>(rng.uniform());
  return t;
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Elementwise relative error (atol 1e-6), or with `normwise` max |got - want| / max |want|: the
// measure for results that went through a GEMM, whose fp32 summation order differs by device.
double rel_error(const std::vector<float>& got, const std::vector<float>& want, bool normwise) {
  if (!normwise) return max_rel_error(got, want);
  if (got.size() != want.size()) return INFINITY;
  double diff = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) || std::isnan(want[i])) return INFINITY;
    diff = std::max(diff, std::fabs(double(got[i]) - want[i]));
    scale = std::max(scale, std::fabs(double(want[i])));
  }
  return diff / std::max(scale, 1e-30);
}

// `f` on CPU and CUDA copies of `inputs` (the ones flagged in `grad` require grad); the output is
// reduced with a fixed random weighting and every input gradient is compared with the CPU's.
void compare_op(const std::string& what, const std::vector<Tensor>& inputs,
                const std::vector<bool>& grad, const OpFn& f, bool normwise = false) {
  SCOPED_TRACE(what);
  std::vector<Tensor> c, g;
  for (size_t i = 0; i < inputs.size(); ++i) {
    c.push_back(inputs[i].clone().set_requires_grad(grad[i]));
    g.push_back(inputs[i].to(Device::cuda(0)).set_requires_grad(grad[i]));
  }
  Tensor yc = f(c), yg = f(g);
  ASSERT_EQ(yg.device(), Device::cuda(0));
  ASSERT_EQ(yc.shape(), yg.shape());
  EXPECT_LE(rel_error(yg.to(Device::cpu()).to_vector(), yc.to_vector(), normwise), kTol)
      << "forward";
  ASSERT_EQ(yg.requires_grad(), yc.requires_grad());
  if (!yc.requires_grad()) return;
  Rng rng(77);
  Tensor w = random_host(yc.shape(), rng);
  ops::sum(ops::mul(yc, w)).backward();
  ops::sum(ops::mul(yg, w.to(Device::cuda(0)))).backward();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!grad[i]) continue;
    ASSERT_TRUE(c[i].grad().defined() && g[i].grad().defined()) << "input " << i;
    EXPECT_LE(
        rel_error(g[i].grad().to(Device::cpu()).to_vector(), c[i].grad().to_vector(), normwise),
        kTol)
        << "gradient of input " << i;
  }
}

TEST(RowOpsCuda, OpsMatchCpu) {
  HG_REQUIRE_GPU();
  Rng rng(5);
  for (auto [B, D] : kShapes) {
    const std::string sh = " " + std::to_string(B) + "x" + std::to_string(D);
    Tensor x = random_host({B, D}, rng, -2.0f, 2.0f), s = random_host({B}, rng);
    Tensor y01 = random_host({B, D}, rng, 0.01f, 0.99f);
    compare_op("abs" + sh, {x}, {true}, [](auto& t) { return ops::abs(t[0]); });
    compare_op("sum_cols" + sh, {x}, {true}, [](auto& t) { return ops::sum_cols(t[0]); });
    compare_op("mean_cols" + sh, {x}, {true}, [](auto& t) { return ops::mean_cols(t[0]); });
    compare_op("repeat_rows" + sh, {x}, {true}, [](auto& t) { return ops::repeat_rows(t[0], 3); });
    compare_op("tile_rows" + sh, {x}, {true}, [](auto& t) { return ops::tile_rows(t[0], 4); });
    compare_op("scale_rows" + sh, {x, s}, {true, true},
               [](auto& t) { return ops::scale_rows(t[0], t[1]); });
    compare_op("scale_rows s only" + sh, {x, s}, {false, true},
               [](auto& t) { return ops::scale_rows(t[0], t[1]); });
    compare_op("slice_cols" + sh, {x}, {true},
               [D = D](auto& t) { return ops::slice_cols(t[0], D / 3, D - D / 3); });
    compare_op("act_derivative sigmoid" + sh, {y01}, {true},
               [](auto& t) { return ops::act_derivative(t[0], ops::Act::Sigmoid); });
    compare_op("act_derivative tanh" + sh, {y01}, {true}, [](auto& t) {
      return ops::act_derivative(ops::add_scalar(t[0], -0.5f), ops::Act::Tanh);
    });
    for (ops::Act a : {ops::Act::None, ops::Act::ReLU, ops::Act::LeakyReLU})
      compare_op("act_derivative " + ops::act_name(a) + sh, {x}, {true},
                 [a](auto& t) { return ops::act_derivative(t[0], a, 0.2f); });
  }
}

// The contractive penalty's pattern: per-sample Jacobians of a 2-layer encoder built from
// tile_rows, scale_rows, repeat_rows and act_derivative, gradients to both weights. The GEMMs and
// the libm activations differ by device in the last bits, so the check is norm-wise.
TEST(RowOpsCuda, EncoderJacobianMatchesCpu) {
  HG_REQUIRE_GPU();
  ops::set_gemm_kernel("");  // the default fp32 kernel (no TF32)
  Rng rng(6);
  const int64_t B = 7, in = 45, hid = 19, k = 5;
  Tensor x = random_host({B, in}, rng), W1 = random_host({hid, in}, rng, -0.3f, 0.3f),
         W2 = random_host({k, hid}, rng, -0.3f, 0.3f);
  compare_op(
      "jacobian", {x, W1, W2}, {false, true, true},
      [&](auto& t) {
        Tensor h = ops::linear(t[0], t[1], Tensor(), ops::Act::Tanh);
        Tensor z = ops::linear(h, t[2], Tensor(), ops::Act::Sigmoid);
        Tensor M =
            ops::scale_rows(ops::tile_rows(t[2], B),
                            ops::reshape(ops::act_derivative(z, ops::Act::Sigmoid), {B * k}));
        M = ops::matmul(ops::mul(M, ops::repeat_rows(ops::act_derivative(h, ops::Act::Tanh), k)),
                        t[1]);
        return ops::mul(M, M);
      },
      /*normwise=*/true);
}

TEST(RowOpsCuda, NoiseOpsMatchCpu) {
  HG_REQUIRE_GPU();
  Rng rng(7);
  for (auto [B, D] : kShapes) {
    Tensor zc = ops::randn({B, D}, Device::cpu(), 99), zg = ops::randn({B, D}, Device::cuda(0), 99);
    ASSERT_EQ(zg.device(), Device::cuda(0));
    EXPECT_FALSE(zg.requires_grad());
    const auto a = zg.to(Device::cpu()).to_vector(), b = zc.to_vector();
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-5) << i;
    Tensor x = random_host({B, D}, rng, 0.0f, 1.0f);
    Tensor xg = x.to(Device::cuda(0)).set_requires_grad(true);
    for (ops::Noise kind : {ops::Noise::Gaussian, ops::Noise::SaltPepper, ops::Noise::Mask}) {
      Tensor yc = ops::corrupt(x, kind, 0.2f, 5, true), yg = ops::corrupt(xg, kind, 0.2f, 5, true);
      EXPECT_FALSE(yg.requires_grad());
      const auto u = yg.to(Device::cpu()).to_vector(), v = yc.to_vector();
      for (size_t i = 0; i < u.size(); ++i)
        ASSERT_NEAR(u[i], v[i], 1e-5) << ops::noise_name(kind) << " " << i;
    }
  }
}

}  // namespace
}  // namespace hg::test
