// gemm_bf16 (kernels/cpu/gemm_bf16.h): bf16 rounding, and the GEMM against a double-precision
// reference computed on the same bf16-rounded inputs, for every transposition, odd and even K,
// edge tiles, beta, bias and activations, with a poisoned C when beta == 0.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/gemm_bf16.h"
#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu {
namespace {

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(from_bf16(to_bf16(1.0f)), 1.0f);
  EXPECT_EQ(from_bf16(to_bf16(-2.5f)), -2.5f);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
  EXPECT_EQ(from_bf16(to_bf16(1.0f + 0.00390625f)), 1.0f);
  // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6.
  EXPECT_EQ(from_bf16(to_bf16(1.0f + 3 * 0.00390625f)), 1.0f + 0.015625f);
  EXPECT_EQ(from_bf16(to_bf16(1.0f + 0.005f)), 1.0f + 0.0078125f);  // nearest, above the tie
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isinf(from_bf16(to_bf16(std::numeric_limits<float>::infinity()))));
  const float big = 3.4e38f;  // rounds up past the largest bf16: infinity, as IEEE rounding does
  EXPECT_TRUE(std::isinf(from_bf16(to_bf16(big))));
}

struct Case {
  Trans ta, tb;
  int64_t M, N, K;
  float beta;
  Act act;
  bool bias;
};

TEST(GemmBf16, MatchesReferenceOnRoundedInputs) {
  if (!gemm_bf16_supported())
    GTEST_SKIP() << "this CPU has no AVX-512 BF16: gemm_bf16 is not available";
  std::mt19937 g(std::random_device{}());
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const Case cases[] = {
      {Trans::N, Trans::T, 37, 53, 71, 0.0f, Act::ReLU, true},
      {Trans::N, Trans::N, 64, 33, 16, 0.5f, Act::None, false},
      {Trans::T, Trans::N, 19, 70, 65, 1.0f, Act::Sigmoid, true},
      {Trans::T, Trans::T, 9, 31, 1, 0.0f, Act::LeakyReLU, true},
      {Trans::N, Trans::T, 256, 32, 600, 0.0f, Act::None, true},  // several K slices
      {Trans::T, Trans::N, 130, 300, 257, 0.0f, Act::Tanh, false}};
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Case& c : cases) {
      SCOPED_TRACE(testing::Message() << "threads " << threads << ", " << int(c.ta) << int(c.tb)
                                      << " " << c.M << "x" << c.N << "x" << c.K);
      const int64_t lda = c.ta == Trans::N ? c.K : c.M, ldb = c.tb == Trans::N ? c.N : c.K;
      std::vector<float> A(static_cast<size_t>(c.M * c.K)), B(static_cast<size_t>(c.K * c.N)),
          C0(static_cast<size_t>(c.M * c.N)), bias(static_cast<size_t>(c.N));
      for (auto* v : {&A, &B, &C0, &bias})
        for (float& x : *v) x = u(g);
      std::vector<float> C = C0;
      if (c.beta == 0.0f) std::fill(C.begin(), C.end(), std::numeric_limits<float>::quiet_NaN());
      Epilogue ep;
      ep.bias = c.bias ? bias.data() : nullptr;
      ep.act = c.act;
      ep.act_alpha = 0.1f;
      gemm_bf16(c.ta, c.tb, c.M, c.N, c.K, 0.75f, A.data(), lda, B.data(), ldb, c.beta, C.data(),
                c.N, ep);
      for (int64_t i = 0; i < c.M; ++i)
        for (int64_t j = 0; j < c.N; ++j) {
          double s = 0, mag = 0;
          for (int64_t k = 0; k < c.K; ++k) {
            const double a = from_bf16(to_bf16(c.ta == Trans::N ? A[i * lda + k] : A[k * lda + i]));
            const double b = from_bf16(to_bf16(c.tb == Trans::N ? B[k * ldb + j] : B[j * ldb + k]));
            s += a * b;
            mag += std::fabs(a * b);
          }
          double r = 0.75 * s + (c.beta != 0.0f ? c.beta * C0[i * c.N + j] : 0.0) +
                     (c.bias ? bias[j] : 0.0);
          switch (c.act) {
            case Act::ReLU: r = r > 0 ? r : 0; break;
            case Act::LeakyReLU: r = r > 0 ? r : 0.1 * r; break;
            case Act::Sigmoid: r = 1 / (1 + std::exp(-r)); break;
            case Act::Tanh: r = std::tanh(r); break;
            default: break;
          }
          ASSERT_NEAR(C[i * c.N + j], r, 1e-5 * (1 + mag)) << "C(" << i << ", " << j << ")";
        }
    }
  }
  set_num_threads(0);
}

TEST(GemmBf16, CloseToTheFp32Gemm) {
  if (!gemm_bf16_supported())
    GTEST_SKIP() << "this CPU has no AVX-512 BF16: gemm_bf16 is not available";
  std::mt19937 g(std::random_device{}());
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int64_t M = 64, N = 96, K = 784;
  std::vector<float> A(M * K), B(N * K), c32(M * N), c16(M * N);
  for (float& x : A) x = u(g);
  for (float& x : B) x = u(g) - 0.5f;
  gemm(Trans::N, Trans::T, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, c32.data(), N);
  gemm_bf16(Trans::N, Trans::T, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, c16.data(), N);
  double err = 0, norm = 0;
  for (int64_t i = 0; i < M * N; ++i)
    err += std::pow(c16[i] - c32[i], 2), norm += std::pow(c32[i], 2);
  // Independent rounding errors of ~2^-9 per input: the relative Frobenius error is ~0.3%.
  EXPECT_LT(std::sqrt(err / norm), 0.01);
  EXPECT_GT(std::sqrt(err / norm), 1e-5);  // it really did round
}

}  // namespace
}  // namespace hg::kernels::cpu
