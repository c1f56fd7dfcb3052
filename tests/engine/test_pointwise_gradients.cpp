// Every row of the pointwise op table through its engine op (ops::abs, exp, ..., ops::div): the
// forward against the row's double reference and the autograd gradient against central finite
// differences of that reference in double (gradcheck.h), with every input requiring grad, then
// with only one of a binary op's inputs requiring it. A new row is checked without a new test.
#include <gtest/gtest.h>

#include "engine/ops/ops.h"
#include "gradcheck.h"

namespace hg::test {
namespace {

namespace pw = kernels::pointwise;

template <class Op>
void check_unary(Tensor (*op)(const Tensor&)) {
  Rng rng(11);
  const Tensor x = random_tensor({3, 7}, rng, Op::lo, Op::hi);
  check_gradients(
      {x}, {true}, [op](const std::vector<Tensor>& t) { return op(t[0]); },
      [](const std::vector<Vec>& in) {
        Vec y(in[0].size());
        for (size_t k = 0; k < y.size(); ++k) y[k] = Op::ref(in[0][k]);
        return y;
      });
}

template <class Op>
void check_binary(Tensor (*op)(const Tensor&, const Tensor&)) {
  Rng rng(12);
  const Tensor a = random_tensor({4, 5}, rng, -2.0, 2.0);
  const Tensor b = random_tensor({4, 5}, rng, Op::lo, Op::hi);
  const auto ref = [](const std::vector<Vec>& in) {
    Vec y(in[0].size());
    for (size_t k = 0; k < y.size(); ++k) y[k] = Op::ref(in[0][k], in[1][k]);
    return y;
  };
  const auto f = [op](const std::vector<Tensor>& t) { return op(t[0], t[1]); };
  for (const std::vector<bool>& which :
       {std::vector<bool>{true, true}, {true, false}, {false, true}})
    EXPECT_NO_FATAL_FAILURE(check_gradients({a, b}, which, f, ref));
}

#define HG_GRAD_UNARY(Row, fn) \
  TEST(PointwiseGradients, Row) { EXPECT_NO_FATAL_FAILURE(check_unary<pw::Row>(&ops::fn)); }
#define HG_GRAD_BINARY(Row, fn) \
  TEST(PointwiseGradients, Row) { EXPECT_NO_FATAL_FAILURE(check_binary<pw::Row>(&ops::fn)); }
HG_UNARY_OPS(HG_GRAD_UNARY)
HG_BINARY_OPS(HG_GRAD_BINARY)

}  // namespace
}  // namespace hg::test
