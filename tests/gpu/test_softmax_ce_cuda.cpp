// The classification kernels and ops on the GPU against the CPU: first each CUDA kernel
// (kernels/cuda/ops/softmax_ce.h) against its CPU twin on fresh random inputs, outputs NaN-poisoned
// before launch with a NaN guard after them, for aligned and misaligned (float4 and scalar) paths;
// then softmax_cross_entropy, softmax and argmax_rows through autograd on CUDA tensors against the
// CPU (values and gradients within 1e-5 relative). Shapes: 1x2, 7x10, 300x1000, 4097x3, and
// 5x3000 for the block-per-row kernels. Skips without a usable GPU.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/ops/ops.h"
#include "engine/util/error.h"
#include "gpu_test_util.h"
#include "kernels/cpu/softmax_ce.h"
#include "kernels/cuda/ops/softmax_ce.h"

namespace hg::test {
namespace {

namespace cpu = ::hg::kernels::cpu;
namespace gpu = ::hg::kernels::cuda;

constexpr double kTol = 1e-5;
const std::pair<int64_t, int64_t> kShapes[] = {{1, 2}, {7, 10}, {300, 1000}, {4097, 3}, {5, 3000}};

std::vector<int32_t> random_labels(int64_t B, int64_t C, uint64_t seed) {
  Rng rng(seed);
  std::vector<int32_t> l(static_cast<size_t>(B));
  for (int32_t& v : l)
    v = static_cast<int32_t>(std::min<double>(C - 1, std::floor(rng.uniform(0.0, double(C)))));
  return l;
}

// int32 values carried bit for bit in floats (DevVec holds floats).
std::vector<float> as_floats(const std::vector<int32_t>& v) {
  std::vector<float> f(v.size());
  if (!v.empty()) std::memcpy(f.data(), v.data(), v.size() * sizeof(int32_t));
  return f;
}
std::vector<int32_t> as_ints(const std::vector<float>& f) {
  std::vector<int32_t> v(f.size());
  if (!f.empty()) std::memcpy(v.data(), f.data(), f.size() * sizeof(int32_t));
  return v;
}

// max_i |got - want| / (|want| + floor_i), NaN anywhere: infinity. floor_i in the data's units: the
// gradients cancel (p - 1, g - <g, y>), so their error is relative to the terms, not the result.
double max_err(const std::vector<float>& got, const std::vector<float>& want,
               const std::vector<double>& floor) {
  if (got.size() != want.size()) return INFINITY;
  double w = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) || std::isnan(want[i])) return INFINITY;
    w = std::max(w, std::fabs(double(got[i]) - want[i]) / (std::fabs(double(want[i])) + floor[i]));
  }
  return w;
}

std::string shape_name(int64_t B, int64_t C) { return std::to_string(B) + "x" + std::to_string(C); }

// ---- kernels against their CPU twins
// -------------------------------------------------------------

TEST(SoftmaxCeCuda, KernelsMatchCpu) {
  HG_REQUIRE_GPU();
  uint64_t seed = 1000;
  for (auto [B, C] : kShapes) {
    const std::string sh = " " + shape_name(B, C);
    const size_t n = static_cast<size_t>(B * C);
    const auto z = random_vector(n, ++seed, -8.0f, 8.0f);
    const auto gy = random_vector(n, ++seed);
    const auto labels = random_labels(B, C, ++seed);
    const float g = 0.75f;

    std::vector<float> loss(B), stats(2 * B), dz(n), y(n), dzs(n);
    cpu::softmax_ce_forward(z.data(), labels.data(), loss.data(), stats.data(), B, C);
    cpu::softmax_ce_backward(z.data(), labels.data(), stats.data(), g, dz.data(), B, C);
    cpu::softmax_rows(z.data(), y.data(), B, C);
    cpu::softmax_rows_backward(y.data(), gy.data(), dzs.data(), B, C);
    std::vector<int32_t> am(static_cast<size_t>(B));
    cpu::argmax_rows(z.data(), am.data(), B, C);

    std::vector<double> tiny(n, 1e-30), grad_floor(n), sm_floor(n);
    for (size_t i = 0; i < n; ++i) sm_floor[i] = 0.1 * y[i] + 1e-30;
    std::fill(grad_floor.begin(), grad_floor.end(), 0.1 * g / double(B));

    for (size_t off : {size_t(0), size_t(1)}) {
      const std::string at = sh + " off=" + std::to_string(off);
      DevVec zd(z, off), gyd(gy, off), yin(y, off), lab(as_floats(labels), off),
          gd(std::vector<float>{g}, 0);
      DevVec loss_d(B, off), stats_d(2 * B, off), dz_d(n, off), y_d(n, off), dzs_d(n, off),
          am_d(B, off);
      gpu::softmax_ce_forward(zd.get(), reinterpret_cast<const int32_t*>(lab.get()), loss_d.get(),
                              stats_d.get(), B, C);
      EXPECT_LE(max_err(loss_d.download(), loss, std::vector<double>(B, 1e-30)), kTol)
          << "ce forward" << at;
      const auto st = stats_d.download();
      for (int64_t b = 0; b < B; ++b) {
        ASSERT_EQ(st[2 * b], stats[2 * b]) << "row max" << at << " row " << b;
        ASSERT_NEAR(st[2 * b + 1], stats[2 * b + 1], kTol * stats[2 * b + 1]) << "row sum" << at;
      }
      // The backward from the CPU stats, so it is checked on its own.
      stats_d.upload(stats);
      gpu::softmax_ce_backward(zd.get(), reinterpret_cast<const int32_t*>(lab.get()), stats_d.get(),
                               gd.get(), dz_d.get(), B, C);
      EXPECT_LE(max_err(dz_d.download(), dz, grad_floor), kTol) << "ce backward" << at;

      gpu::softmax_rows(zd.get(), y_d.get(), B, C);
      EXPECT_LE(max_err(y_d.download(), y, tiny), kTol) << "softmax" << at;
      gpu::softmax_rows_backward(yin.get(), gyd.get(), dzs_d.get(), B, C);
      EXPECT_LE(max_err(dzs_d.download(), dzs, sm_floor), kTol) << "softmax backward" << at;

      gpu::argmax_rows(zd.get(), reinterpret_cast<int32_t*>(am_d.get()), B, C);
      EXPECT_EQ(as_ints(am_d.download()), am) << "argmax" << at;

      for (const DevVec* v : {&loss_d, &stats_d, &dz_d, &y_d, &dzs_d, &am_d})
        EXPECT_TRUE(v->guard_intact()) << "wrote out of bounds" << at;
    }
  }
}

TEST(SoftmaxCeCuda, ArgmaxTiesAndNansMatchCpu) {
  HG_REQUIRE_GPU();
  for (auto [B, C] : kShapes) {
    // Few distinct values: many ties. Some rows hold NaNs.
    auto x = random_vector(static_cast<size_t>(B * C), 7 + B, -2.0f, 2.0f);
    for (float& v : x) v = std::round(v);
    for (int64_t b = 0; b < B; b += 3) x[static_cast<size_t>(b * C + (b * 7) % C)] = NAN;
    std::vector<int32_t> want(static_cast<size_t>(B));
    cpu::argmax_rows(x.data(), want.data(), B, C);
    DevVec xd(x, 0), idx(B, 0);
    gpu::argmax_rows(xd.get(), reinterpret_cast<int32_t*>(idx.get()), B, C);
    EXPECT_EQ(as_ints(idx.download()), want) << shape_name(B, C);
    EXPECT_TRUE(idx.guard_intact());
  }
}

// ---- ops through autograd on CUDA tensors -------------------------------------------------------

TEST(SoftmaxCeCuda, OpsMatchCpu) {
  HG_REQUIRE_GPU();
  const Device dev = Device::cuda(0);
  uint64_t seed = 5000;
  for (auto [B, C] : kShapes) {
    const std::string sh = shape_name(B, C);
    const auto zv = random_vector(static_cast<size_t>(B * C), ++seed, -8.0f, 8.0f);
    const auto labels = random_labels(B, C, ++seed);
    const Tensor z = Tensor::from_vector({B, C}, zv);

    Tensor zc = z.clone().set_requires_grad(true);
    Tensor zg = z.to(dev).set_requires_grad(true);
    const Tensor lc = ops::softmax_cross_entropy(zc, labels);
    const Tensor lg = ops::softmax_cross_entropy(zg, labels);
    ASSERT_EQ(lg.device(), dev);
    EXPECT_NEAR(lg.item(), lc.item(), kTol * std::fabs(lc.item())) << "loss " << sh;
    ops::mul_scalar(lc, 1.5f).backward();
    ops::mul_scalar(lg, 1.5f).backward();
    EXPECT_LE(max_err(zg.grad().to_vector(), zc.grad().to_vector(),
                      std::vector<double>(static_cast<size_t>(B * C), 0.1 * 1.5 / double(B))),
              kTol)
        << "loss gradient " << sh;

    Tensor sc = z.clone().set_requires_grad(true);
    Tensor sg = z.to(dev).set_requires_grad(true);
    const Tensor yc = ops::softmax(sc), yg = ops::softmax(sg);
    const auto ycv = yc.to_vector();
    EXPECT_LE(max_err(yg.to_vector(), ycv, std::vector<double>(ycv.size(), 1e-30)), kTol)
        << "softmax " << sh;
    const auto wv = random_vector(ycv.size(), ++seed);
    const Tensor w = Tensor::from_vector({B, C}, wv);
    ops::sum(ops::mul(yc, w)).backward();
    ops::sum(ops::mul(yg, w.to(dev))).backward();
    std::vector<double> fl(ycv.size());
    for (size_t i = 0; i < fl.size(); ++i) fl[i] = 0.1 * ycv[i] + 1e-30;
    EXPECT_LE(max_err(sg.grad().to_vector(), sc.grad().to_vector(), fl), kTol)
        << "softmax gradient " << sh;

    EXPECT_EQ(ops::argmax_rows(z.to(dev)), ops::argmax_rows(z)) << "argmax " << sh;
  }
}

TEST(SoftmaxCeCuda, ErrorsOnCudaTensors) {
  HG_REQUIRE_GPU();
  const Tensor z = Tensor::zeros({3, 4}, Device::cuda(0));
  EXPECT_THROW(ops::softmax_cross_entropy(z, {0, 1, 4}), Error);
  EXPECT_THROW(ops::softmax_cross_entropy(z, {0, 1}), Error);
  EXPECT_THROW(ops::softmax_cross_entropy(Tensor::zeros({0, 4}, Device::cuda(0)), {}), Error);
}

}  // namespace
}  // namespace hg::test
