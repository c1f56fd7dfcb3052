// Optimizer steps against values computed by hand from PyTorch's update rules.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/optim/optimizer.h"
#include "engine/util/error.h"

namespace hg {
namespace {

struct OneParam {
  Tensor p = Tensor::from_vector({2}, {1.0f, -2.0f}).set_requires_grad(true);
  nn::NamedTensors named() { return {{"p", p}}; }
  void set_grad(std::vector<float> g) { p.impl()->grad = Tensor::from_vector({2}, g).impl_ptr(); }
};

TEST(Optim, SgdMomentum) {
  OneParam t;
  optim::OptimizerConfig c;
  c.name = "sgd";
  c.lr = 0.1f;
  c.momentum = 0.9f;
  auto opt = optim::make_optimizer(c, t.named());
  t.set_grad({0.5f, 1.0f});
  opt->step();  // v = g; p -= 0.1 v
  auto p = t.p.to_vector();
  EXPECT_NEAR(p[0], 1.0 - 0.05, 1e-6);
  EXPECT_NEAR(p[1], -2.0 - 0.1, 1e-6);
  t.set_grad({0.5f, 1.0f});
  opt->step();  // v = 0.9 * 0.5 + 0.5 = 0.95 -> p0 = 0.95 - 0.095
  p = t.p.to_vector();
  EXPECT_NEAR(p[0], 0.95 - 0.095, 1e-6);
  EXPECT_NEAR(p[1], -2.1 - 0.19, 1e-6);
}

TEST(Optim, AdamFirstTwoSteps) {
  OneParam t;
  optim::OptimizerConfig c;
  c.name = "adam";
  c.lr = 0.01f;
  auto opt = optim::make_optimizer(c, t.named());
  // Step 1: m̂ = g, v̂ = g², so the step is lr * g / (|g| + eps) = lr * sign(g).
  t.set_grad({0.5f, -4.0f});
  opt->step();
  auto p = t.p.to_vector();
  EXPECT_NEAR(p[0], 1.0 - 0.01, 1e-6);
  EXPECT_NEAR(p[1], -2.0 + 0.01, 1e-6);
  // Step 2 with g = (1, -4): m = 0.9*0.05 + 0.1*1 = 0.145 -> m̂ = 0.145/0.19;
  // v = 0.999*0.00025 + 0.001*1 = 0.00124975 -> v̂ = v / (1 - 0.999²).
  t.set_grad({1.0f, -4.0f});
  opt->step();
  const double mhat = 0.145 / (1 - 0.81), vhat = 0.00124975 / (1 - 0.998001);
  p = t.p.to_vector();
  EXPECT_NEAR(p[0], 0.99 - 0.01 * mhat / (std::sqrt(vhat) + 1e-8), 1e-6);
  EXPECT_NEAR(p[1], -1.99 + 0.01, 1e-6);
  EXPECT_EQ(opt->steps(), 2);
}

TEST(Optim, AdamWDecaysDecoupled) {
  OneParam t;
  optim::OptimizerConfig c;
  c.name = "adamw";
  c.lr = 0.1f;
  c.weight_decay = 0.5f;
  auto opt = optim::make_optimizer(c, t.named());
  t.set_grad({1.0f, 1.0f});
  opt->step();  // p *= (1 - 0.05), then p -= 0.1 * sign(g)
  auto p = t.p.to_vector();
  EXPECT_NEAR(p[0], 1.0 * 0.95 - 0.1, 1e-6);
  EXPECT_NEAR(p[1], -2.0 * 0.95 - 0.1, 1e-6);
}

TEST(Optim, AdamL2AddsToGradient) {
  OneParam t;
  optim::OptimizerConfig c;
  c.name = "adam";
  c.lr = 0.1f;
  c.weight_decay = 1.0f;
  auto opt = optim::make_optimizer(c, t.named());
  t.set_grad({-0.5f, 0.0f});  // g' = g + p = (0.5, -2): both steps are lr * sign(g')
  opt->step();
  auto p = t.p.to_vector();
  EXPECT_NEAR(p[0], 0.9, 1e-6);
  EXPECT_NEAR(p[1], -1.9, 1e-6);
}

TEST(Optim, StateRoundTripContinuesIdentically) {
  OneParam a, b;
  optim::OptimizerConfig c;
  auto oa = optim::make_optimizer(c, a.named());
  a.set_grad({0.3f, 0.7f});
  oa->step();
  // Copy parameters and state into a fresh optimizer, then take the same step on both.
  b.p.copy_from(a.p);
  auto ob = optim::make_optimizer(c, b.named());
  std::map<std::string, Tensor> st;
  for (auto& [k, v] : oa->state()) st[k] = v.clone();
  ob->load_state(st, oa->steps());
  a.set_grad({0.1f, -0.2f});
  b.set_grad({0.1f, -0.2f});
  oa->step();
  ob->step();
  EXPECT_EQ(a.p.to_vector(), b.p.to_vector());
}

TEST(Optim, ClipGradNorm) {
  OneParam t;
  t.set_grad({3.0f, 4.0f});
  const double n = optim::clip_grad_norm(t.named(), 1.0);
  EXPECT_NEAR(n, 5.0, 1e-6);
  auto g = t.p.grad().to_vector();
  EXPECT_NEAR(g[0], 0.6, 1e-5);
  EXPECT_NEAR(g[1], 0.8, 1e-5);
}

TEST(Optim, BadConfigIsUsageError) {
  OneParam t;
  optim::OptimizerConfig c;
  c.name = "rmsprop";
  EXPECT_THROW(optim::make_optimizer(c, t.named()), UsageError);
  c.name = "adam";
  c.lr = -1.0f;
  EXPECT_THROW(optim::make_optimizer(c, t.named()), UsageError);
}

}  // namespace
}  // namespace hg
