// Pooling, nearest upsampling, batch-norm and dropout on the GPU (kernels/cuda/ops/pool.h)
// against their CPU twins (kernels/cpu/pool.h) on fresh random inputs, outputs NaN-poisoned.
// Max pooling must agree exactly (values and argmax); the dropout mask bit for bit (the same
// counter-based hash on both sides); the sums (average pooling, upsample backward, batch-norm)
// to within max_rel_error(got, want, atol) <= tol, i.e. |got - want| <= tol * (|want| + atol):
// a relative 1e-5 plus an absolute slack for outputs that cancel to near zero (summation order
// differs between the CPU and the GPU).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/cpu/pool.h"
#include "kernels/cuda/ops/pool.h"
#include "kernels/cuda/runtime/device.h"

namespace hg::test {
namespace {

namespace kcuda = kernels::cuda;
namespace kcpu = kernels::cpu;
using kernels::PoolShape;

// A device buffer of int32 that frees itself, poisoned with -1.
class DeviceInts {
 public:
  explicit DeviceInts(size_t n)
      : n_(n), p_(static_cast<int32_t*>(kcuda::device_malloc(n * sizeof(int32_t) + 4))) {
    std::vector<int32_t> poison(n_, -1);
    if (n_) kcuda::copy_host_to_device(p_, poison.data(), n_ * sizeof(int32_t));
  }
  ~DeviceInts() { kcuda::device_free(p_); }
  DeviceInts(const DeviceInts&) = delete;
  DeviceInts& operator=(const DeviceInts&) = delete;
  int32_t* get() const { return p_; }
  std::vector<int32_t> download() const {
    std::vector<int32_t> h(n_);
    kcuda::synchronize();
    kcuda::copy_device_to_host(h.data(), p_, n_ * sizeof(int32_t));
    return h;
  }
  void upload(const std::vector<int32_t>& h) {
    kcuda::copy_host_to_device(p_, h.data(), h.size() * sizeof(int32_t));
  }

 private:
  size_t n_;
  int32_t* p_;
};

PoolShape pool(int64_t N, int64_t C, int64_t H, int64_t W, int64_t k, int64_t st, int64_t pad) {
  PoolShape s;
  s.N = N;
  s.C = C;
  s.H = H;
  s.W = W;
  s.kh = k;
  s.kw = k;
  s.stride_h = st;
  s.stride_w = st;
  s.pad_h = pad;
  s.pad_w = pad;
  return s;
}

std::vector<PoolShape> pool_shapes() {
  PoolShape rect = pool(2, 3, 9, 10, 3, 2, 1);
  rect.kw = 2;
  rect.stride_w = 1;
  rect.pad_w = 0;
  return {pool(2, 3, 8, 8, 2, 2, 0), pool(3, 2, 9, 7, 2, 2, 0),    pool(1, 4, 11, 9, 3, 2, 1),
          pool(2, 3, 7, 7, 3, 1, 1), pool(4, 32, 28, 28, 2, 2, 0), rect};
}

std::string describe(const PoolShape& s) {
  return std::to_string(s.N) + "x" + std::to_string(s.C) + "x" + std::to_string(s.H) + "x" +
         std::to_string(s.W) + " k" + std::to_string(s.kh) + "x" + std::to_string(s.kw) + " s" +
         std::to_string(s.stride_h) + "x" + std::to_string(s.stride_w) + " p" +
         std::to_string(s.pad_h) + "x" + std::to_string(s.pad_w);
}

TEST(PoolCuda, MaxPoolForwardBackwardExact) {
  HG_REQUIRE_GPU();
  uint64_t seed = 10;
  for (const PoolShape& s : pool_shapes()) {
    SCOPED_TRACE(describe(s));
    const auto hx = random_vector(size_t(s.x_numel()), seed++);
    const auto hdy = random_vector(size_t(s.y_numel()), seed++);
    std::vector<float> want_y(size_t(s.y_numel())), want_dx(size_t(s.x_numel()));
    std::vector<int32_t> want_arg(size_t(s.y_numel()));
    kcpu::maxpool2d_forward(s, hx.data(), want_y.data(), want_arg.data());
    kcpu::maxpool2d_backward(s, hdy.data(), want_arg.data(), want_dx.data());

    DeviceBuffer x(hx), y(size_t(s.y_numel())), dy(hdy), dx(size_t(s.x_numel()));
    DeviceInts arg(size_t(s.y_numel()));
    kcuda::maxpool2d_forward(s, x.get(), y.get(), arg.get());
    EXPECT_EQ(y.download(), want_y);
    EXPECT_EQ(arg.download(), want_arg);
    kcuda::maxpool2d_backward(s, dy.get(), arg.get(), dx.get());
    EXPECT_LE(max_rel_error(dx.download(), want_dx, 0.1), 1e-6);
  }
}

TEST(PoolCuda, MaxPoolPropagatesNaN) {
  HG_REQUIRE_GPU();
  const PoolShape s = pool(1, 1, 4, 4, 2, 2, 0);
  auto hx = random_vector(16, 3);
  hx[5] = std::nanf("");  // window (0, 0) holds (1, 1)
  std::vector<float> want_y(4);
  std::vector<int32_t> want_arg(4);
  kcpu::maxpool2d_forward(s, hx.data(), want_y.data(), want_arg.data());
  DeviceBuffer x(hx), y(4);
  DeviceInts arg(4);
  kcuda::maxpool2d_forward(s, x.get(), y.get(), arg.get());
  const auto got = y.download();
  EXPECT_TRUE(std::isnan(got[0]));
  EXPECT_EQ(arg.download(), want_arg);
  EXPECT_EQ(max_rel_error(got, want_y), 0.0);
}

TEST(PoolCuda, AvgPoolForwardBackward) {
  HG_REQUIRE_GPU();
  uint64_t seed = 50;
  for (const PoolShape& s : pool_shapes()) {
    SCOPED_TRACE(describe(s));
    const auto hx = random_vector(size_t(s.x_numel()), seed++);
    const auto hdy = random_vector(size_t(s.y_numel()), seed++);
    std::vector<float> want_y(size_t(s.y_numel())), want_dx(size_t(s.x_numel()));
    kcpu::avgpool2d_forward(s, hx.data(), want_y.data());
    kcpu::avgpool2d_backward(s, hdy.data(), want_dx.data());
    DeviceBuffer x(hx), y(size_t(s.y_numel())), dy(hdy), dx(size_t(s.x_numel()));
    kcuda::avgpool2d_forward(s, x.get(), y.get());
    kcuda::avgpool2d_backward(s, dy.get(), dx.get());
    EXPECT_LE(max_rel_error(y.download(), want_y, 0.1), 1e-5);
    EXPECT_LE(max_rel_error(dx.download(), want_dx, 0.1), 1e-5);
  }
}

TEST(PoolCuda, UpsampleNearest) {
  HG_REQUIRE_GPU();
  struct U {
    int64_t N, C, H, W, fh, fw;
  };
  uint64_t seed = 80;
  for (const U u :
       {U{2, 3, 4, 5, 2, 2}, U{1, 2, 7, 3, 3, 2}, U{4, 32, 7, 7, 2, 2}, U{2, 1, 1, 1, 1, 4}}) {
    SCOPED_TRACE(std::to_string(u.H) + "x" + std::to_string(u.W) + " by " + std::to_string(u.fh) +
                 "x" + std::to_string(u.fw));
    const size_t nx = size_t(u.N * u.C * u.H * u.W), ny = nx * size_t(u.fh * u.fw);
    const auto hx = random_vector(nx, seed++);
    const auto hdy = random_vector(ny, seed++);
    std::vector<float> want_y(ny), want_dx(nx);
    kcpu::upsample_nearest2d_forward(hx.data(), want_y.data(), u.N, u.C, u.H, u.W, u.fh, u.fw);
    kcpu::upsample_nearest2d_backward(hdy.data(), want_dx.data(), u.N, u.C, u.H, u.W, u.fh, u.fw);
    DeviceBuffer x(hx), y(ny), dy(hdy), dx(nx);
    kcuda::upsample_nearest2d_forward(x.get(), y.get(), u.N, u.C, u.H, u.W, u.fh, u.fw);
    kcuda::upsample_nearest2d_backward(dy.get(), dx.get(), u.N, u.C, u.H, u.W, u.fh, u.fw);
    EXPECT_EQ(y.download(), want_y);
    EXPECT_LE(max_rel_error(dx.download(), want_dx, 0.1), 1e-5);
  }
}

struct BnCase {
  int64_t N, C, HW;
  bool affine;
};

TEST(PoolCuda, BatchNormTrainEvalBackward) {
  HG_REQUIRE_GPU();
  uint64_t seed = 120;
  for (const BnCase bc : {BnCase{4, 3, 35, true}, BnCase{3, 5, 1, true}, BnCase{2, 4, 49, false},
                          BnCase{4, 32, 196, true}}) {
    SCOPED_TRACE("N=" + std::to_string(bc.N) + " C=" + std::to_string(bc.C) +
                 " HW=" + std::to_string(bc.HW) + (bc.affine ? " affine" : ""));
    const int64_t n = bc.N * bc.C * bc.HW;
    auto hx = random_vector(static_cast<size_t>(n), seed++, -2.0f, 3.0f);
    const auto hdy = random_vector(static_cast<size_t>(n), seed++);
    const auto hg = random_vector(size_t(bc.C), seed++, 0.5f, 1.5f);
    const auto hb = random_vector(size_t(bc.C), seed++);
    const auto hrm = random_vector(size_t(bc.C), seed++);
    const auto hrv = random_vector(size_t(bc.C), seed++, 0.5f, 2.0f);
    const float eps = 1e-5f, momentum = 0.1f;
    const float* g_cpu = bc.affine ? hg.data() : nullptr;
    const float* b_cpu = bc.affine ? hb.data() : nullptr;

    const size_t nc = static_cast<size_t>(bc.C);
    std::vector<float> want_y(static_cast<size_t>(n)), want_mean(nc), want_inv(nc);
    std::vector<float> want_rm = hrm, want_rv = hrv;
    kcpu::batchnorm_forward_train(hx.data(), want_y.data(), bc.N, bc.C, bc.HW, g_cpu, b_cpu, eps,
                                  momentum, want_rm.data(), want_rv.data(), want_mean.data(),
                                  want_inv.data());
    DeviceBuffer x(hx), y(static_cast<size_t>(n)), gm(hg), bt(hb), rm(hrm), rv(hrv), mean(nc),
        inv(nc);
    kcuda::batchnorm_forward_train(x.get(), y.get(), bc.N, bc.C, bc.HW,
                                   bc.affine ? gm.get() : nullptr, bc.affine ? bt.get() : nullptr,
                                   eps, momentum, rm.get(), rv.get(), mean.get(), inv.get());
    EXPECT_LE(max_rel_error(y.download(), want_y, 0.1), 1e-5);
    EXPECT_LE(max_rel_error(mean.download(), want_mean, 1e-3), 1e-5);
    EXPECT_LE(max_rel_error(inv.download(), want_inv, 1e-3), 1e-5);
    EXPECT_LE(max_rel_error(rm.download(), want_rm, 1e-3), 1e-5);
    EXPECT_LE(max_rel_error(rv.download(), want_rv, 1e-3), 1e-5);

    // Evaluation with the updated running statistics.
    std::vector<float> want_ye(static_cast<size_t>(n));
    kcpu::batchnorm_forward_eval(hx.data(), want_ye.data(), bc.N, bc.C, bc.HW, g_cpu, b_cpu, eps,
                                 want_rm.data(), want_rv.data());
    DeviceBuffer ye(static_cast<size_t>(n));
    kcuda::batchnorm_forward_eval(x.get(), ye.get(), bc.N, bc.C, bc.HW,
                                  bc.affine ? gm.get() : nullptr, bc.affine ? bt.get() : nullptr,
                                  eps, rm.get(), rv.get());
    EXPECT_LE(max_rel_error(ye.download(), want_ye, 0.1), 1e-5);

    // Backward from the saved statistics (each side uses its own, which agree to ~1 ulp).
    std::vector<float> want_dx(static_cast<size_t>(n)), want_dg(nc), want_db(nc);
    kcpu::batchnorm_backward(hx.data(), hdy.data(), want_dx.data(), bc.N, bc.C, bc.HW, g_cpu,
                             want_mean.data(), want_inv.data(), want_dg.data(), want_db.data());
    DeviceBuffer dy(hdy), dx(static_cast<size_t>(n)), dg(nc), db(nc);
    kcuda::batchnorm_backward(x.get(), dy.get(), dx.get(), bc.N, bc.C, bc.HW,
                              bc.affine ? gm.get() : nullptr, mean.get(), inv.get(), dg.get(),
                              db.get());
    const double atol = 1e-4 * std::sqrt(double(bc.N * bc.HW));
    EXPECT_LE(max_rel_error(dx.download(), want_dx, 0.1), 1e-4);
    EXPECT_LE(max_rel_error(dg.download(), want_dg, atol), 1e-4);
    EXPECT_LE(max_rel_error(db.download(), want_db, atol), 1e-4);
  }
}

TEST(PoolCuda, DropoutMaskIsBitExact) {
  HG_REQUIRE_GPU();
  for (const float p : {0.0f, 0.3f, 0.5f, 0.9f}) {
    for (const uint64_t seed : {uint64_t(0), uint64_t(42), uint64_t(0xdeadbeefcafef00dULL)}) {
      SCOPED_TRACE("p=" + std::to_string(p) + " seed=" + std::to_string(seed));
      const int64_t n = 10007;
      const auto hx = random_vector(static_cast<size_t>(n), seed + 1);
      std::vector<float> want_y(static_cast<size_t>(n)), want_m(static_cast<size_t>(n));
      kcpu::dropout_forward(hx.data(), want_y.data(), want_m.data(), n, p, seed);
      DeviceBuffer x(hx), y(static_cast<size_t>(n)), m(static_cast<size_t>(n));
      kcuda::dropout_forward(x.get(), y.get(), m.get(), n, p, seed);
      const auto got_m = m.download();
      ASSERT_EQ(std::memcmp(got_m.data(), want_m.data(), static_cast<size_t>(n) * sizeof(float)), 0)
          << "the GPU must draw the CPU's mask";
      EXPECT_LE(max_rel_error(y.download(), want_y, 1e-7), 1e-6);
      int64_t kept = 0;
      for (float v : got_m) kept += v != 0.0f;
      const double frac = double(kept) / double(n);
      EXPECT_NEAR(frac, 1.0 - p, 0.03) << "kept fraction";
    }
  }
}

}  // namespace
}  // namespace hg::test
