// A training step whose shapes repeat takes no memory from the system allocator once the caching
// allocator (engine/tensor/allocator.h) is warm: the seeds' MLP autoencoder with Adam on the CPU.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "engine/optim/optimizer.h"
#include "engine/tensor/allocator.h"
#include "models/registry.h"

namespace hg {
namespace {

TEST(SteadyState, TrainingStepAllocatesNothingAfterWarmUp) {
  models::ModelSpec spec = models::load_model_spec(
      (std::filesystem::path(HG_SOURCE_DIR) / "models" / "configs" / "mlp784.json").string());
  models::resolve_input(spec, 784, spec.name);
  Rng rng(3);
  auto model = models::build_model(spec, rng);
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(64 * 784);
  for (float& p : v) p = u(gen);
  Tensor x = Tensor::from_vector({64, 784}, v);
  optim::OptimizerConfig oc;
  oc.name = "adam";
  auto opt = optim::make_optimizer(oc, model->named_parameters());
  auto step = [&] {
    Tensor loss = model->objective(x, x, "mse").total;
    opt->zero_grad();
    loss.backward();
    opt->step();
    return loss.item();
  };
  step();  // allocates activations, gradients and Adam's moments
  step();
  const size_t warm = system_allocations(Device::cpu());
  double last = 0;
  for (int i = 0; i < 3; ++i) last = step();
  EXPECT_EQ(system_allocations(Device::cpu()), warm) << "steady-state steps took new memory";
  EXPECT_GT(warm, 0u);  // the counter counts at all
  EXPECT_TRUE(std::isfinite(last));
}

}  // namespace
}  // namespace hg
