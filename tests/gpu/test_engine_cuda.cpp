// The engine on the GPU: every op through autograd on CUDA tensors against the same op on the
// CPU (forward values and input gradients), and a short training run whose loss curve on the GPU
// tracks the CPU one. Skips without a usable GPU.
#include <cmath>
#include <filesystem>
#include <functional>
#include <sstream>

#include "apps/train/trainer.h"
#include "engine/autograd/autograd.h"
#include "engine/ops/conv_ops.h"
#include "engine/ops/kernel_select.h"
#include "engine/ops/ops.h"
#include "engine/tensor/allocator.h"
#include "gpu_test_util.h"
#include "kernels/cuda/conv/conv.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;

Tensor random_host(const Shape& shape, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = lo + (hi - lo) * rng.uniform();
  return t;
}

double max_rel_err(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    worst = std::max(worst, std::fabs(double(a[i]) - b[i]) / (std::fabs(double(b[i])) + 1e-3));
  }
  return worst;
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs `f` on CPU copies and on CUDA copies of `inputs`, reduces the output with a fixed random
// weighting (so every output element's gradient differs), and compares outputs and gradients.
void compare_op(const std::string& what, const std::vector<Tensor>& inputs, const OpFn& f,
                double tol = 1e-4) {
  SCOPED_TRACE(what);
  std::vector<Tensor> cpu, gpu;
  for (const Tensor& t : inputs) {
    cpu.push_back(t.to(Device::cpu()).clone().set_requires_grad(true));
    gpu.push_back(t.to(Device::cuda(0)).set_requires_grad(true));
  }
  Tensor yc = f(cpu), yg = f(gpu);
  ASSERT_EQ(yc.shape(), yg.shape());
  Rng rng(7);
  Tensor w = random_host(yc.shape(), rng);
  ops::sum(ops::mul(yc, w)).backward();
  ops::sum(ops::mul(yg, w.to(Device::cuda(0)))).backward();
  EXPECT_LT(max_rel_err(yg.to(Device::cpu()).to_vector(), yc.to_vector()), tol) << "forward";
  // Some inputs take no gradient (a loss's target): the CUDA path must agree with the CPU path on
  // which ones do, and at least one must.
  bool any_grad = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(gpu[i].grad().defined(), cpu[i].grad().defined()) << "input " << i;
    if (!cpu[i].grad().defined()) continue;
    any_grad = true;
    EXPECT_LT(max_rel_err(gpu[i].grad().to(Device::cpu()).to_vector(), cpu[i].grad().to_vector()),
              tol)
        << "gradient of input " << i;
  }
  EXPECT_TRUE(any_grad) << "no input received a gradient";
}

TEST(EngineCuda, DenseAndElementwiseOpsMatchCpu) {
  HG_REQUIRE_GPU();
  Rng rng(1);
  for (int64_t B : {1, 7, 33}) {
    const int64_t in = 45, out = 19;
    Tensor x = random_host({B, in}, rng), W = random_host({out, in}, rng),
           b = random_host({out}, rng);
    for (ops::Act a : {ops::Act::None, ops::Act::ReLU, ops::Act::Sigmoid, ops::Act::Tanh})
      compare_op("linear " + ops::act_name(a) + " B=" + std::to_string(B), {x, W, b},
                 [a](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], t[2], a); });
    Tensor y = random_host({B, in}, rng), pos = random_host({B, in}, rng, 0.1f, 2.0f);
    compare_op("add", {x, y}, [](auto& t) { return ops::add(t[0], t[1]); });
    compare_op("sub", {x, y}, [](auto& t) { return ops::sub(t[0], t[1]); });
    compare_op("mul", {x, y}, [](auto& t) { return ops::mul(t[0], t[1]); });
    compare_op("exp", {x}, [](auto& t) { return ops::exp(t[0]); });
    compare_op("log", {pos}, [](auto& t) { return ops::log(t[0]); });
    compare_op("softplus", {x}, [](auto& t) { return ops::softplus(t[0]); });
    compare_op("leaky_relu", {x}, [](auto& t) { return ops::leaky_relu(t[0], 0.1f); });
    compare_op("sum_rows", {x}, [](auto& t) { return ops::sum_rows(t[0]); });
    compare_op("mean_rows", {x}, [](auto& t) { return ops::mean_rows(t[0]); });
    compare_op("mean", {x}, [](auto& t) { return ops::mean(t[0]); });
    compare_op("matmul", {x, random_host({in, 11}, rng)},
               [](auto& t) { return ops::matmul(t[0], t[1]); });
  }
}

TEST(EngineCuda, LossesAndReconErrorMatchCpu) {
  HG_REQUIRE_GPU();
  Rng rng(2);
  for (int64_t B : {1, 7, 33}) {
    const int64_t D = 1000;
    Tensor p = random_host({B, D}, rng, 0.01f, 0.99f), t = random_host({B, D}, rng, 0.0f, 1.0f),
           z = random_host({B, D}, rng, -4.0f, 4.0f);
    compare_op("mse", {p, t}, [](auto& v) { return ops::mse_loss(v[0], v[1]); });
    compare_op("bce", {p, t}, [](auto& v) { return ops::bce_loss(v[0], v[1]); });
    compare_op("bce_logits", {z, t}, [](auto& v) { return ops::bce_with_logits(v[0], v[1]); });
    for (auto kind : {ops::ReconKind::MSE, ops::ReconKind::BCE})
      compare_op("recon_error", {t, p},
                 [kind](auto& v) { return ops::recon_error(v[0], v[1], kind).row; });
  }
}

TEST(EngineCuda, ConvFamilyOpsMatchCpu) {
  HG_REQUIRE_GPU();
  Rng rng(3);
  Tensor x = random_host({3, 4, 9, 7}, rng), w = random_host({6, 4, 3, 3}, rng),
         b = random_host({6}, rng);
  for (const std::string& algo : kernels::cuda::conv_algo_names()) {
    ops::set_conv_algo(algo);
    compare_op("conv2d " + algo, {x, w, b}, [](auto& t) {
      return ops::conv2d(t[0], t[1], t[2], {2, 2}, {1, 1}, {1, 1}, 1, ops::Act::ReLU);
    });
    Tensor wt = random_host({4, 5, 3, 3}, rng), bt = random_host({5}, rng);
    compare_op("conv_transpose2d " + algo, {x, wt, bt}, [](auto& t) {
      return ops::conv_transpose2d(t[0], t[1], t[2], {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1);
    });
  }
  ops::set_conv_algo("");
  compare_op("max_pool2d", {x}, [](auto& t) {
    return ops::max_pool2d(t[0], {2, 2}, {2, 2}, {0, 0});
  });
  compare_op("avg_pool2d", {x}, [](auto& t) {
    return ops::avg_pool2d(t[0], {3, 3}, {2, 2}, {1, 1});
  });
  compare_op("upsample", {x}, [](auto& t) { return ops::upsample_nearest2d(t[0], 2, 2); });
}

TEST(EngineCuda, PrivatePoolBlocksAreNeverShared) {
  HG_REQUIRE_GPU();
  const Device d = Device::cuda(0);
  void* held = nullptr;
  {
    PrivatePool pool;
    {
      PrivatePool::Scope s(pool);
      held = allocate(1 << 16, d);
    }
    deallocate(held, 1 << 16, d);        // back to the pool, not to the shared cache
    void* other = allocate(1 << 16, d);  // outside the scope: a different block
    EXPECT_NE(other, held);
    {
      PrivatePool::Scope s(pool);
      void* again = allocate(1 << 16, d);  // the pool reuses its own block
      EXPECT_EQ(again, held);
      deallocate(again, 1 << 16, d);
    }
    deallocate(other, 1 << 16, d);
  }
  // The pool is gone: its block is in the shared cache again (two blocks of this size are cached).
  void* a = allocate(1 << 16, d);
  void* b = allocate(1 << 16, d);
  EXPECT_TRUE(a == held || b == held);
  deallocate(a, 1 << 16, d);
  deallocate(b, 1 << 16, d);
}

// The CPU and GPU runs start from the same weights (initialised on the host) and see the same
// batches, so their loss curves differ only by fp32 summation order.
TEST(EngineCuda, TrainingLossCurveTracksCpu) {
  HG_REQUIRE_GPU();
  auto run = [](const std::string& device, bool graph = false) {
    train::TrainOptions o;
    o.cuda_graph = graph;
    o.data = "synthetic";
    o.config = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";
    o.epochs = 8;
    o.seed = 3;
    o.device = device;
    o.out =
        (fs::temp_directory_path() / ("hg-gpu-train-" + device + (graph ? "-graph" : ""))).string();
    o.force = true;
    std::ostringstream log;
    return train::train(o, log);
  };
  ops::set_gemm_kernel("");
  train::TrainResult cpu = run("cpu"), gpu = run("cuda");
  EXPECT_EQ(gpu.device, "cuda:0");
  ASSERT_EQ(cpu.history.size(), gpu.history.size());
  for (size_t e = 0; e < cpu.history.size(); ++e) {
    const double c = cpu.history[e].train_loss, g = gpu.history[e].train_loss;
    EXPECT_NEAR(g, c, 2e-3 * std::fabs(c) + 1e-5) << "epoch " << e + 1;
  }
  EXPECT_LT(gpu.history.back().train_loss, 0.6 * gpu.history.front().train_loss);

  // The same run with the step captured as a CUDA graph (945 rows, batch 32: a warm-up step, the
  // capture, replays and a short eager batch every epoch) runs the same kernels in the same order.
  train::TrainResult graph = run("cuda", true);
  ASSERT_EQ(graph.history.size(), gpu.history.size());
  for (size_t e = 0; e < gpu.history.size(); ++e)
    EXPECT_NEAR(graph.history[e].train_loss, gpu.history[e].train_loss,
                1e-5 * std::fabs(gpu.history[e].train_loss))
        << "epoch " << e + 1;
}

}  // namespace
}  // namespace hg::test
