// Gradient checking against central finite differences in double precision.
// Each op under test comes with a reference written in double in the test itself. We check:
//   forward:  the fp32 op against the double reference (relative bound for fp32);
//   backward: the fp32 op's autograd gradient of L = Σ w ⊙ f(x) (random w) against the central
//             difference (L(x + h e_i) - L(x - h e_i)) / 2h of the double reference, h = 1e-6.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "engine/ops/ops.h"
#include "engine/util/rng.h"

namespace hg::test {

using Vec = std::vector<double>;
// Reference: inputs (flattened, double) -> output (flattened, double).
using RefFn = std::function<Vec(const std::vector<Vec>&)>;
using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

inline Tensor random_tensor(const Shape& shape, Rng& rng, double lo = -1.0, double hi = 1.0) {
  std::vector<float> v(static_cast<size_t>(numel_of(shape)));
  for (float& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return Tensor::from_vector(shape, v);
}

inline Vec to_double(const Tensor& t) {
  auto f = t.to_vector();
  return Vec(f.begin(), f.end());
}

// `grad_inputs` lists which inputs get requires_grad (the others are constants, e.g. targets).
inline void check_gradients(const std::vector<Tensor>& inputs, const std::vector<bool>& grad_inputs,
                            const OpFn& op, const RefFn& ref, double fwd_tol = 1e-5,
                            double grad_tol = 2e-3, uint64_t seed = 7) {
  std::vector<Tensor> xs;
  std::vector<Vec> xd;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor t = inputs[i].clone();
    if (grad_inputs[i]) t.set_requires_grad(true);
    xs.push_back(t);
    xd.push_back(to_double(t));
  }
  Tensor y = op(xs);
  Vec yref = ref(xd);
  Vec y32 = to_double(y);
  ASSERT_EQ(y32.size(), yref.size()) << "forward output size";
  for (size_t k = 0; k < y32.size(); ++k)
    ASSERT_NEAR(y32[k], yref[k], fwd_tol * (1.0 + std::fabs(yref[k]))) << "forward, element " << k;

  Rng rng(seed);
  Vec w(y32.size());
  for (double& v : w) v = rng.uniform(-1.0, 1.0);
  Tensor wt = Tensor::from_vector(y.shape(), std::vector<float>(w.begin(), w.end()));
  Tensor L = ops::sum(ops::mul(y, wt));
  L.backward();

  auto loss_ref = [&](const std::vector<Vec>& in) {
    Vec out = ref(in);
    double s = 0;
    for (size_t k = 0; k < out.size(); ++k) s += w[k] * out[k];
    return s;
  };
  const double h = 1e-6;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!grad_inputs[i]) continue;
    Tensor g = xs[i].grad();
    ASSERT_TRUE(g.defined()) << "no gradient for input " << i;
    Vec ga = to_double(g);
    for (size_t k = 0; k < xd[i].size(); ++k) {
      std::vector<Vec> plus = xd, minus = xd;
      plus[i][k] += h;
      minus[i][k] -= h;
      const double num = (loss_ref(plus) - loss_ref(minus)) / (2 * h);
      ASSERT_NEAR(ga[k], num, grad_tol * (1.0 + std::fabs(num)))
          << "gradient of input " << i << ", element " << k;
    }
  }
}

}  // namespace hg::test
