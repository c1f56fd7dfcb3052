// `--gemm openblas` (engine/ops/gemm_openblas.h): the same contract as our GEMM, epilogue
// included, on fresh random inputs; and the linear op gives the same result through either.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/ops/gemm_openblas.h"
#include "engine/ops/kernel_select.h"
#include "engine/ops/ops.h"
#include "engine/util/error.h"

namespace hg {
namespace {

namespace kcpu = kernels::cpu;

std::vector<float> rand_vec(size_t n, std::mt19937& g) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(g);
  return v;
}

TEST(GemmOpenblas, MatchesOurGemmWithEpilogue) {
  if (!ops::openblas_available()) GTEST_SKIP() << "this build has no BLAS (libopenblas-dev)";
  std::mt19937 g(std::random_device{}());
  struct Case {
    kcpu::Trans ta, tb;
    int64_t M, N, K;
    float beta;
    kcpu::Act act;
    bool bias;
  };
  const Case cases[] = {
      {kcpu::Trans::N, kcpu::Trans::T, 37, 53, 71, 0.0f, kcpu::Act::ReLU, true},
      {kcpu::Trans::N, kcpu::Trans::N, 64, 33, 17, 0.5f, kcpu::Act::None, false},
      {kcpu::Trans::T, kcpu::Trans::N, 19, 40, 65, 1.0f, kcpu::Act::Sigmoid, true},
      {kcpu::Trans::T, kcpu::Trans::T, 8, 9, 0, 0.5f, kcpu::Act::Tanh, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.M << "x" << c.N << "x" << c.K);
    const int64_t lda = c.ta == kcpu::Trans::N ? c.K : c.M,
                  ldb = c.tb == kcpu::Trans::N ? c.N : c.K;
    auto A = rand_vec(static_cast<size_t>(c.M * c.K), g),
         B = rand_vec(static_cast<size_t>(c.K * c.N), g);
    auto C0 = rand_vec(static_cast<size_t>(c.M * c.N), g),
         bias = rand_vec(static_cast<size_t>(c.N), g);
    std::vector<float> ours = C0, theirs = C0;
    if (c.beta == 0.0f)
      std::fill(theirs.begin(), theirs.end(), std::numeric_limits<float>::quiet_NaN());
    kcpu::Epilogue ep;
    ep.bias = c.bias ? bias.data() : nullptr;
    ep.act = c.act;
    kcpu::gemm(c.ta, c.tb, c.M, c.N, c.K, 0.75f, A.data(), lda, B.data(), ldb, c.beta, ours.data(),
               c.N, ep);
    ops::openblas_gemm(c.ta, c.tb, c.M, c.N, c.K, 0.75f, A.data(), lda, B.data(), ldb, c.beta,
                       theirs.data(), c.N, ep);
    for (size_t i = 0; i < ours.size(); ++i)
      ASSERT_NEAR(theirs[i], ours[i], 1e-5f * (1.0f + std::fabs(ours[i]))) << "element " << i;
  }
}

TEST(GemmOpenblas, SelectedByNameForTheLinearOp) {
  if (!ops::openblas_available()) {
    EXPECT_THROW(ops::set_gemm_kernel("openblas"), UsageError);
    GTEST_SKIP() << "this build has no BLAS (libopenblas-dev)";
  }
  std::mt19937 g(std::random_device{}());
  Tensor x = Tensor::from_vector({30, 20}, rand_vec(600, g));
  Tensor W = Tensor::from_vector({12, 20}, rand_vec(240, g));
  Tensor b = Tensor::from_vector({12}, rand_vec(12, g));
  const std::vector<float> ours = ops::linear(x, W, b, kcpu::Act::ReLU, 0.01f).to_vector();
  ops::set_gemm_kernel("openblas");
  EXPECT_EQ(ops::gemm_for_cpu(), ops::CpuGemm::OpenBlas);
  const std::vector<float> theirs = ops::linear(x, W, b, kcpu::Act::ReLU, 0.01f).to_vector();
  ops::set_gemm_kernel("");
  EXPECT_EQ(ops::gemm_for_cpu(), ops::CpuGemm::Fp32);
  ASSERT_EQ(ours.size(), theirs.size());
  for (size_t i = 0; i < ours.size(); ++i)
    EXPECT_NEAR(theirs[i], ours[i], 1e-5f * (1.0f + std::fabs(ours[i])));
}

}  // namespace
}  // namespace hg
