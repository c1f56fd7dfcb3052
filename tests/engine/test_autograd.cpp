// The tape itself: accumulation, shared subexpressions, no_grad, graph freeing, errors.
#include <gtest/gtest.h>

#include "engine/autograd/autograd.h"
#include "engine/ops/ops.h"
#include "engine/util/error.h"

namespace hg {
namespace {

TEST(Autograd, SharedSubexpressionAccumulates) {
  // y = sum(x * x + x): dy/dx = 2x + 1, with x used three times.
  Tensor x = Tensor::from_vector({3}, {1.0f, -2.0f, 0.5f}).set_requires_grad(true);
  Tensor y = ops::sum(ops::add(ops::mul(x, x), x));
  y.backward();
  auto g = x.grad().to_vector();
  EXPECT_FLOAT_EQ(g[0], 3.0f);
  EXPECT_FLOAT_EQ(g[1], -3.0f);
  EXPECT_FLOAT_EQ(g[2], 2.0f);
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f}).set_requires_grad(true);
  ops::sum(ops::mul_scalar(x, 3.0f)).backward();
  ops::sum(ops::mul_scalar(x, 3.0f)).backward();
  EXPECT_FLOAT_EQ(x.grad().to_vector()[1], 6.0f);
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, NoGradRecordsNothing) {
  Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f}).set_requires_grad(true);
  Tensor y;
  {
    autograd::NoGradGuard g;
    y = ops::mul(x, x);
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_TRUE(autograd::grad_enabled());
}

TEST(Autograd, GraphIsFreedAfterBackward) {
  Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f}).set_requires_grad(true);
  Tensor h = ops::mul(x, x);
  Tensor y = ops::sum(h);
  std::weak_ptr<Node> node = h.grad_fn();
  ASSERT_FALSE(node.expired());
  y.backward();
  EXPECT_TRUE(node.expired());
  EXPECT_EQ(h.grad_fn(), nullptr);
}

TEST(Autograd, ConstantsGetNoGradient) {
  Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f}).set_requires_grad(true);
  Tensor c = Tensor::from_vector({2}, {3.0f, 4.0f});
  ops::sum(ops::mul(x, c)).backward();
  EXPECT_FALSE(c.grad().defined());
  EXPECT_FLOAT_EQ(x.grad().to_vector()[1], 4.0f);
}

TEST(Autograd, BackwardNeedsScalarOrGradient) {
  Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f}).set_requires_grad(true);
  Tensor y = ops::mul(x, x);
  EXPECT_THROW(y.backward(), Error);
  autograd::backward(y, Tensor::from_vector({2}, {1.0f, 1.0f}));
  EXPECT_FLOAT_EQ(x.grad().to_vector()[1], 4.0f);
}

TEST(Autograd, ShapeErrorsAreErrors) {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2});
  EXPECT_THROW(ops::add(a, b), Error);
  EXPECT_THROW(ops::linear(a, Tensor::zeros({4, 2}), Tensor()), Error);
  EXPECT_THROW(ops::reshape(a, {4, -1}), Error);
}

TEST(Autograd, DeepChainDoesNotOverflowTheStack) {
  Tensor x = Tensor::from_vector({1}, {1.0f}).set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = ops::add_scalar(y, 0.0f);
  ops::sum(y).backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 1.0f);
}

}  // namespace
}  // namespace hg
