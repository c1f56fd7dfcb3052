// The CUDA elementwise and activation kernels (kernels/cuda/ops) against their
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

namespace hg::test {
namespace {

namespace cpu = ::hg::kernels::cpu;
namespace gpu = ::hg::kernels::cuda;

const int64_t kSizes[] = {1, 7, 33, 1000, 4097};
const size_t kOffsets[] = {0, 1};  // 0: 16-byte aligned (float4 path); 1: misaligned (scalar path)

std::vector<float> rnd(int64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  return random_vector(static_cast<size_t>(n), seed, lo, hi);
}

#define EXPECT_CLOSE(got, want, tol, what)            \
  do {                                                \
    const double err_ = max_rel_error((got), (want)); \
    EXPECT_LE(err_, (tol)) << what;                   \
  } while (0)

// ---- elementwise
// ----------------------------------------------------------------------------------

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

TEST(CudaOps, ScalarOpsMatchCpu) {
  HG_REQUIRE_GPU();
  for (int64_t n : kSizes)
    for (size_t off : kOffsets) {
      const auto a = rnd(n, 1), b = rnd(n, 2);
      DevVec ad(a, off), bd(b, off);
      std::vector<float> want(static_cast<size_t>(n));
      auto check = [&](const char* name, auto gpu_call, auto cpu_call, double tol) {
        DevVec y(static_cast<size_t>(n), off);
        gpu_call(y.get());
        cpu_call(want.data());
        EXPECT_CLOSE(y.download(), want, tol, name << " n=" << n << " off=" << off);
        EXPECT_TRUE(y.guard_intact()) << name << " n=" << n;
      };
      check(
          "scale", [&](float* y) { gpu::scale(ad.get(), -1.5f, y, n); },
          [&](float* y) { cpu::scale(a.data(), -1.5f, y, n); }, 0.0);
      check(
          "add_scalar", [&](float* y) { gpu::add_scalar(ad.get(), 0.75f, y, n); },
          [&](float* y) { cpu::add_scalar(a.data(), 0.75f, y, n); }, 0.0);
      // axpy accumulates into y: start both sides from b.
      check(
          "axpy",
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
    gpu::axpy(0.5f, bd.get(), ad.get(), n);   // a += b / 2
    gpu::scale(ad.get(), 2.0f, ad.get(), n);  // a = 2a
    std::vector<float> want = a;
    cpu::axpy(0.5f, b.data(), want.data(), n);
    cpu::scale(want.data(), 2.0f, want.data(), n);
    EXPECT_EQ(ad.download(), want);
  }
}

// ---- activations
// ----------------------------------------------------------------------------------

const auto& kActs = kernels::kActivations;  // every row of kernels/common/activation.h

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
        DevVec xd(x, off), yd(static_cast<size_t>(n), off), dyd(dy, off),
            dxd(static_cast<size_t>(n), off);
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

}  // namespace
}  // namespace hg::test
