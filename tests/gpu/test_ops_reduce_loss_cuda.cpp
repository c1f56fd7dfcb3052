// The CUDA reductions, losses, fused recon_error and optimizer steps (kernels/cuda/ops) against
// their CPU twins (kernels/cpu) on awkward sizes, aligned and misaligned pointers, outputs
// NaN-poisoned before launch with a NaN guard after them. Reductions are held to 1e-5 of the sum of
// the absolute terms and must be bit-reproducible (also across pointer alignment); the optimizers
// run 3 steps. Skips without a usable GPU.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/cpu/loss.h"
#include "kernels/cpu/optim.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cuda/ops/loss.h"
#include "kernels/cuda/ops/optim.h"
#include "kernels/cuda/ops/reduce.h"

namespace hg::test {
namespace {

namespace cpu = ::hg::kernels::cpu;
namespace gpu = ::hg::kernels::cuda;

const int64_t kSizes[] = {1, 7, 33, 1000, 4097};
const size_t kOffsets[] = {0, 1};

// One device double, NaN-poisoned.
class DevDouble {
 public:
  DevDouble() : p_(static_cast<double*>(kernels::cuda::device_malloc(sizeof(double)))) {
    const double nan = std::nan("");
    kernels::cuda::copy_host_to_device(p_, &nan, sizeof nan);
  }
  ~DevDouble() { kernels::cuda::device_free(p_); }
  DevDouble(const DevDouble&) = delete;
  DevDouble& operator=(const DevDouble&) = delete;
  double* get() const { return p_; }
  double value() const {
    double v = 0;
    kernels::cuda::synchronize();
    kernels::cuda::copy_device_to_host(&v, p_, sizeof v);
    return v;
  }

 private:
  double* p_;
};

std::vector<float> rnd(int64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  return random_vector(static_cast<size_t>(n), seed, lo, hi);
}

float scalar(const DevVec& v) { return v.download().at(0); }

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// max_i |got - want| / (|want| + floor): relative error with an absolute floor given in the units
// of the data (for results that cancel, whose error is a few ulps of the operands, not of the
// result).
double max_err(const std::vector<float>& got, const std::vector<float>& want, double floor) {
  if (got.size() != want.size()) return INFINITY;
  double w = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) || std::isnan(want[i])) return INFINITY;
    w = std::max(w, std::fabs(double(got[i]) - want[i]) / (std::fabs(double(want[i])) + floor));
  }
  return w;
}
double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, std::fabs(double(x)));
  return m;
}

// ---- reductions
// -----------------------------------------------------------------------------------

TEST(CudaOpsReduce, SumAndSumSquares) {
  HG_REQUIRE_GPU();
  std::vector<int64_t> sizes(std::begin(kSizes), std::end(kSizes));
  sizes.push_back(0);
  sizes.push_back(16384);          // the largest single-launch size
  sizes.push_back(16385);          // the smallest two-pass size
  sizes.push_back((1 << 22) + 3);  // many pass-1 blocks
  for (int64_t n : sizes) {
    const auto x = rnd(n, 41, -1.0f, 3.0f);
    double abs_sum = 0, sq_sum = 0;
    for (float v : x) abs_sum += std::fabs(v), sq_sum += double(v) * v;
    const double want = cpu::sum(x.data(), n), want_sq = cpu::sum_squares(x.data(), n);
    uint32_t first_bits = 0;
    for (size_t off : kOffsets) {
      DevVec xd(x, off), out(1, 0);
      DevDouble outd;
      gpu::sum(xd.get(), n, out.get());
      const float got = scalar(out);
      EXPECT_LE(std::fabs(got - want), 1e-5 * abs_sum + 1e-30) << "sum n=" << n;
      gpu::sum(xd.get(), n, outd.get());
      EXPECT_LE(std::fabs(outd.value() - want), 1e-5 * abs_sum + 1e-30) << "sum(double) n=" << n;
      EXPECT_EQ(float(outd.value()), got) << "float and double outputs agree";
      // Deterministic: the same bits again, and for the other alignment (float4 vs scalar path).
      if (off == 0) first_bits = bits(got);
      EXPECT_EQ(bits(got), first_bits) << "sum bits depend on alignment, n=" << n;
      gpu::sum(xd.get(), n, out.get());
      EXPECT_EQ(bits(scalar(out)), bits(got)) << "sum not reproducible, n=" << n;
      gpu::sum_squares(xd.get(), n, out.get());
      EXPECT_LE(std::fabs(scalar(out) - want_sq), 1e-5 * sq_sum + 1e-30) << "sum_squares n=" << n;
      gpu::sum_squares(xd.get(), n, outd.get());
      EXPECT_LE(std::fabs(outd.value() - want_sq), 1e-5 * sq_sum + 1e-30);
      EXPECT_TRUE(out.guard_intact());
    }
  }
}

const std::pair<int64_t, int64_t> kShapes[] = {{1, 1},    {7, 33}, {1000, 784}, {3, 4097},
                                               {2, 4096}, {33, 1}, {20000, 33}, {1, 7}};

TEST(CudaOpsReduce, SumRows) {
  HG_REQUIRE_GPU();
  for (auto [rows, cols] : kShapes)
    for (size_t off : kOffsets) {
      const auto x = rnd(rows * cols, 43);
      std::vector<float> want(static_cast<size_t>(rows));
      cpu::sum_rows(x.data(), want.data(), rows, cols);
      DevVec xd(x, off), out(static_cast<size_t>(rows), off);
      gpu::sum_rows(xd.get(), out.get(), rows, cols);
      const auto got = out.download();
      for (int64_t r = 0; r < rows; ++r) {
        double abs_sum = 0;
        for (int64_t c = 0; c < cols; ++c)
          abs_sum += std::fabs(x[static_cast<size_t>(r * cols + c)]);
        ASSERT_LE(std::fabs(got[static_cast<size_t>(r)] - want[static_cast<size_t>(r)]),
                  1e-5 * abs_sum + 1e-30)
            << rows << "x" << cols << " row " << r;
      }
      EXPECT_TRUE(out.guard_intact());
    }
}

TEST(CudaOpsReduce, SumColsBetaZeroAndOne) {
  HG_REQUIRE_GPU();
  for (auto [rows, cols] : kShapes)
    for (size_t off : kOffsets)
      for (float beta : {0.0f, 1.0f}) {
        const auto x = rnd(rows * cols, 44), prev = rnd(cols, 45);
        std::vector<float> want = prev;
        cpu::sum_cols(x.data(), want.data(), rows, cols, beta);
        DevVec xd(x, off), out(static_cast<size_t>(cols), off);  // NaN: beta == 0 must not read it
        if (beta != 0.0f) out.upload(prev);
        gpu::sum_cols(xd.get(), out.get(), rows, cols, beta);
        const auto got = out.download();
        for (int64_t c = 0; c < cols; ++c) {
          double abs_sum = beta * std::fabs(prev[static_cast<size_t>(c)]);
          for (int64_t r = 0; r < rows; ++r)
            abs_sum += std::fabs(x[static_cast<size_t>(r * cols + c)]);
          ASSERT_LE(std::fabs(got[static_cast<size_t>(c)] - want[static_cast<size_t>(c)]),
                    1e-5 * abs_sum + 1e-30)
              << rows << "x" << cols << " beta=" << beta << " col " << c;
        }
        EXPECT_TRUE(out.guard_intact());
        // Reproducible to the bit.
        if (beta != 0.0f) out.upload(prev);
        gpu::sum_cols(xd.get(), out.get(), rows, cols, beta);
        EXPECT_EQ(out.download(), got);
      }
}

// ---- losses
// ---------------------------------------------------------------------------------------

enum class L { Mse, Bce, BceLogits };
const L kLosses[] = {L::Mse, L::Bce, L::BceLogits};

// Predictions for each loss: any value (MSE), probabilities including exact 0 and 1 (clamped),
// logits with large magnitudes.
std::vector<float> predictions(L l, int64_t n, uint64_t seed) {
  if (l == L::Mse) return rnd(n, seed, -2.0f, 2.0f);
  if (l == L::Bce) {
    auto p = rnd(n, seed, 0.0f, 1.0f);
    if (n >= 7) p[1] = 0.0f, p[2] = 1.0f, p[4] = 1e-9f;
    return p;
  }
  auto z = rnd(n, seed, -8.0f, 8.0f);
  if (n >= 7) z[1] = -60.0f, z[2] = 60.0f;
  return z;
}

double cpu_forward(L l, const float* p, const float* t, int64_t n) {
  switch (l) {
    case L::Mse: return cpu::mse_forward(p, t, n);
    case L::Bce: return cpu::bce_forward(p, t, n);
    case L::BceLogits: return cpu::bce_logits_forward(p, t, n);
  }
  return 0;
}
void cpu_backward(L l, const float* p, const float* t, float g, float* dp, int64_t n) {
  switch (l) {
    case L::Mse: cpu::mse_backward(p, t, g, dp, n); return;
    case L::Bce: cpu::bce_backward(p, t, g, dp, n); return;
    case L::BceLogits: cpu::bce_logits_backward(p, t, g, dp, n); return;
  }
}
void gpu_forward(L l, const float* p, const float* t, int64_t n, float* out) {
  switch (l) {
    case L::Mse: gpu::mse_forward(p, t, n, out); return;
    case L::Bce: gpu::bce_forward(p, t, n, out); return;
    case L::BceLogits: gpu::bce_logits_forward(p, t, n, out); return;
  }
}
template <class G>  // G: float (host) or const float* (device)
void gpu_backward(L l, const float* p, const float* t, G g, float* dp, int64_t n) {
  switch (l) {
    case L::Mse: gpu::mse_backward(p, t, g, dp, n); return;
    case L::Bce: gpu::bce_backward(p, t, g, dp, n); return;
    case L::BceLogits: gpu::bce_logits_backward(p, t, g, dp, n); return;
  }
}

TEST(CudaOpsLoss, ForwardMatchesCpu) {
  HG_REQUIRE_GPU();
  std::vector<int64_t> sizes(std::begin(kSizes), std::end(kSizes));
  sizes.push_back(1000 * 784);
  for (L l : kLosses)
    for (int64_t n : sizes)
      for (size_t off : kOffsets) {
        const auto p = predictions(l, n, 51), t = rnd(n, 52, 0.0f, 1.0f);
        const double want = cpu_forward(l, p.data(), t.data(), n);
        DevVec pd(p, off), td(t, off), out(1, 0);
        gpu_forward(l, pd.get(), td.get(), n, out.get());
        // Every term is >= 0, so the loss is the mean of |terms|.
        EXPECT_LE(std::fabs(scalar(out) - want), 1e-5 * want + 1e-30)
            << "loss " << int(l) << " n=" << n << " off=" << off;
        EXPECT_TRUE(out.guard_intact());
      }
}

TEST(CudaOpsLoss, ForwardOfEmptyIsZero) {
  HG_REQUIRE_GPU();
  DevVec out(1, 0);
  for (L l : kLosses) {
    out.upload({std::nanf("")});
    gpu_forward(l, nullptr, nullptr, 0, out.get());
    EXPECT_EQ(scalar(out), 0.0f);
  }
}

TEST(CudaOpsLoss, BackwardHostAndDeviceGradientMatchCpu) {
  HG_REQUIRE_GPU();
  const float g = 1.7f;
  for (L l : kLosses)
    for (int64_t n : kSizes)
      for (size_t off : kOffsets) {
        const auto p = predictions(l, n, 53), t = rnd(n, 54, 0.0f, 1.0f);
        std::vector<float> want(static_cast<size_t>(n));
        cpu_backward(l, p.data(), t.data(), g, want.data(), n);
        // sigmoid(z) - t cancels: its error is a few ulps of O(g/n), not of the result.
        const double floor = l == L::BceLogits ? 1e-2 * g / double(n) : 1e-6 * max_abs(want);
        DevVec pd(p, off), td(t, off), dp(static_cast<size_t>(n), off),
            gd(std::vector<float>{g}, 0);
        gpu_backward(l, pd.get(), td.get(), g, dp.get(), n);
        EXPECT_LE(max_err(dp.download(), want, floor), 1e-5)
            << "host g, loss " << int(l) << " n=" << n;
        EXPECT_TRUE(dp.guard_intact());
        dp.upload(std::vector<float>(static_cast<size_t>(n), std::nanf("")));
        gpu_backward(l, pd.get(), td.get(), static_cast<const float*>(gd.get()), dp.get(), n);
        EXPECT_LE(max_err(dp.download(), want, floor), 1e-5)
            << "device g, loss " << int(l) << " n=" << n;
      }
}

// ---- recon_error
// ----------------------------------------------------------------------------------

const cpu::ReconKind kKinds[] = {cpu::ReconKind::MSE, cpu::ReconKind::BCE,
                                 cpu::ReconKind::BCELogits};

std::vector<float> recon_input(cpu::ReconKind k, int64_t n, uint64_t seed) {
  return predictions(k == cpu::ReconKind::MSE   ? L::Mse
                     : k == cpu::ReconKind::BCE ? L::Bce
                                                : L::BceLogits,
                     n, seed);
}

TEST(CudaOpsRecon, ForwardRowAndFeatureErrorsMatchCpu) {
  HG_REQUIRE_GPU();
  for (cpu::ReconKind k : kKinds)
    for (auto [rows, cols] : kShapes)
      for (size_t off : kOffsets) {
        const auto x = rnd(rows * cols, 61, 0.0f, 1.0f), r = recon_input(k, rows * cols, 62);
        std::vector<float> want_row(static_cast<size_t>(rows)), want_feat(x.size());
        cpu::recon_error(k, x.data(), r.data(), want_row.data(), want_feat.data(), rows, cols);
        DevVec xd(x, off), rd(r, off), row(static_cast<size_t>(rows), off), feat(x.size(), off),
            row2(static_cast<size_t>(rows), 0);
        gpu::recon_error(k, xd.get(), rd.get(), row.get(), feat.get(), rows, cols);
        gpu::recon_error(k, xd.get(), rd.get(), row2.get(), nullptr, rows, cols);
        const auto got_row = row.download();
        // Terms are >= 0: the row mean is the mean of |terms|.
        EXPECT_LE(max_err(got_row, want_row, 1e-30), 1e-5)
            << "row_err kind " << int(k) << " " << rows << "x" << cols << " off=" << off;
        EXPECT_EQ(row2.download(), got_row) << "feat_err must not change row_err";
        EXPECT_LE(max_err(feat.download(), want_feat, 1e-7), 1e-5)
            << "feat_err kind " << int(k) << " " << rows << "x" << cols;
        EXPECT_TRUE(row.guard_intact() && feat.guard_intact() && row2.guard_intact());
      }
}

TEST(CudaOpsRecon, BackwardMatchesCpu) {
  HG_REQUIRE_GPU();
  for (cpu::ReconKind k : kKinds)
    for (auto [rows, cols] : kShapes)
      for (size_t off : kOffsets) {
        const auto x = rnd(rows * cols, 63, 0.0f, 1.0f), r = recon_input(k, rows * cols, 64),
                   g = rnd(rows, 65, -2.0f, 2.0f);
        std::vector<float> want(x.size());
        cpu::recon_error_backward(k, x.data(), r.data(), g.data(), want.data(), rows, cols);
        const double floor =
            k == cpu::ReconKind::BCELogits ? 1e-2 * 2.0 / double(cols) : 1e-6 * max_abs(want);
        DevVec xd(x, off), rd(r, off), gd(g, off), dr(x.size(), off);
        gpu::recon_error_backward(k, xd.get(), rd.get(), gd.get(), dr.get(), rows, cols);
        EXPECT_LE(max_err(dr.download(), want, floor), 1e-5)
            << "kind " << int(k) << " " << rows << "x" << cols << " off=" << off;
        EXPECT_TRUE(dr.guard_intact());
      }
}

// ---- optimizers
// -----------------------------------------------------------------------------------

TEST(CudaOpsOptim, SgdThreeStepsMatchCpu) {
  HG_REQUIRE_GPU();
  struct Cfg {
    float momentum, wd;
    bool nesterov;
  };
  const Cfg cfgs[] = {
      {0.0f, 0.0f, false}, {0.0f, 0.01f, false}, {0.9f, 0.0f, false}, {0.9f, 0.01f, true}};
  for (const Cfg& c : cfgs)
    for (int64_t n : kSizes)
      for (size_t off : kOffsets) {
        auto p = rnd(n, 71);
        std::vector<float> v(static_cast<size_t>(n), 0.0f);
        DevVec pd(p, off), vd(static_cast<size_t>(n), off);  // v stays NaN until step 1 writes it
        for (int step = 1; step <= 3; ++step) {
          const auto g = rnd(n, 72 + step);
          DevVec gd(g, off);
          cpu::sgd_step(p.data(), g.data(), v.data(), n, 0.05f, c.momentum, c.wd, c.nesterov,
                        step == 1);
          gpu::sgd_step(pd.get(), gd.get(), c.momentum == 0.0f ? nullptr : vd.get(), n, 0.05f,
                        c.momentum, c.wd, c.nesterov, step == 1);
        }
        EXPECT_LE(max_rel_error(pd.download(), p), 1e-5)
            << "p momentum=" << c.momentum << " nesterov=" << c.nesterov << " n=" << n;
        if (c.momentum != 0.0f) {
          EXPECT_LE(max_rel_error(vd.download(), v), 1e-5) << "v n=" << n;
        }
        EXPECT_TRUE(pd.guard_intact() && vd.guard_intact());
      }
}

TEST(CudaOpsOptim, AdamAndAdamWThreeStepsMatchCpu) {
  HG_REQUIRE_GPU();
  for (bool decoupled : {false, true})
    for (float wd : {0.0f, 0.05f})
      for (int64_t n : kSizes)
        for (size_t off : kOffsets) {
          auto p = rnd(n, 81);
          std::vector<float> m(static_cast<size_t>(n), 0.0f), v(static_cast<size_t>(n), 0.0f);
          DevVec pd(p, off), md(m, off), vd(v, off);
          for (int64_t step = 1; step <= 3; ++step) {
            const auto g = rnd(n, 82 + uint64_t(step), -0.1f, 0.1f);
            DevVec gd(g, off);
            cpu::adam_step(p.data(), g.data(), m.data(), v.data(), n, 1e-2f, 0.9f, 0.999f, 1e-8f,
                           wd, decoupled, step);
            gpu::adam_step(pd.get(), gd.get(), md.get(), vd.get(), n, 1e-2f, 0.9f, 0.999f, 1e-8f,
                           wd, decoupled, step);
          }
          const std::string what = std::string(decoupled ? "AdamW" : "Adam") +
                                   " wd=" + std::to_string(wd) + " n=" + std::to_string(n);
          EXPECT_LE(max_rel_error(pd.download(), p), 1e-5) << "p " << what;
          EXPECT_LE(max_rel_error(md.download(), m, 1e-9), 1e-5) << "m " << what;
          EXPECT_LE(max_rel_error(vd.download(), v, 1e-12), 1e-5) << "v " << what;
          EXPECT_TRUE(pd.guard_intact() && md.guard_intact() && vd.guard_intact());
        }
}

}  // namespace
}  // namespace hg::test
