// GEMM vs the double-precision reference: all transposition cases, edge sizes, epilogues,
// ld > minimal, beta == 0 with NaN-poisoned C, every microkernel, thread-count independence.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_internal.h"
#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu {
namespace {

std::vector<float> rand_vec(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

struct Case {
  Trans ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  bool bias;
  Act act;
  int64_t pad;  // extra leading-dimension padding
};

// Runs gemm and gemm_reference on the same inputs; returns the max abs error relative to
// (1 + |ref|) over the written region, and checks that padding columns of C are untouched.
double run_case(const Case& c, uint32_t seed) {
  const int64_t arows = c.ta == Trans::N ? c.M : c.K, acols = c.ta == Trans::N ? c.K : c.M;
  const int64_t brows = c.tb == Trans::N ? c.K : c.N, bcols = c.tb == Trans::N ? c.N : c.K;
  const int64_t lda = acols + c.pad, ldb = bcols + c.pad, ldc = c.N + c.pad;
  auto A = rand_vec(static_cast<size_t>(std::max<int64_t>(1, arows * lda)), seed);
  auto B = rand_vec(static_cast<size_t>(std::max<int64_t>(1, brows * ldb)), seed + 1);
  auto bias = rand_vec(static_cast<size_t>(std::max<int64_t>(1, c.N)), seed + 2);
  std::vector<float> C0 = rand_vec(static_cast<size_t>(std::max<int64_t>(1, c.M * ldc)), seed + 3);
  if (c.beta == 0.0f)
    for (auto& x : C0) x = std::numeric_limits<float>::quiet_NaN();
  // Padding columns hold a sentinel that must survive.
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = c.N; j < ldc; ++j) C0[i * ldc + j] = 12345.0f;
  std::vector<float> C = C0, R = C0;
  Epilogue ep;
  ep.bias = c.bias ? bias.data() : nullptr;
  ep.act = c.act;
  ep.act_alpha = 0.1f;
  gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc, ep);
  gemm_reference(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, R.data(),
                 ldc, ep);
  double worst = 0.0;
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const double got = C[i * ldc + j], want = R[i * ldc + j];
      if (j >= c.N) {
        EXPECT_EQ(got, 12345.0) << "padding overwritten at " << i << "," << j;
        continue;
      }
      if (!std::isfinite(got)) return std::numeric_limits<double>::infinity();
      worst = std::max(worst, std::fabs(got - want) / (1.0 + std::fabs(want)));
    }
  }
  return worst;
}

const char* tn(Trans t) { return t == Trans::N ? "N" : "T"; }

void sweep_sizes(double tol) {
  const int64_t sizes[] = {1, 7, 33, 64, 100, 257};
  uint32_t seed = 1;
  for (Trans ta : {Trans::N, Trans::T})
    for (Trans tb : {Trans::N, Trans::T})
      for (int64_t M : sizes)
        for (int64_t N : sizes)
          for (int64_t K : {int64_t(1), int64_t(7), int64_t(33), int64_t(100), int64_t(257)}) {
            if (M * N * K > 257 * 100 * 100 && !(M == 257 && N == 257 && K == 257)) continue;
            Case c{ta, tb, M, N, K, 1.0f, 0.0f, false, Act::None, 0};
            const double err = run_case(c, seed++);
            ASSERT_LT(err, tol * std::sqrt(static_cast<double>(K)))
                << tn(ta) << tn(tb) << " M=" << M << " N=" << N << " K=" << K;
          }
}

TEST(Gemm, AllTranspositionsAndSizes) { sweep_sizes(1e-6); }

TEST(Gemm, EveryMicrokernel) {
  using detail::Isa;
  std::vector<Isa> isas = {Isa::Scalar};
  if (detail::cpu_has_avx2()) isas.push_back(Isa::Avx2);
  if (detail::cpu_has_avx512()) isas.push_back(Isa::Avx512);
  for (Isa isa : isas) {
    detail::gemm_force_isa(isa);
    SCOPED_TRACE(detail::gemm_kernel_name());
    uint32_t seed = 100;
    for (Trans ta : {Trans::N, Trans::T})
      for (Trans tb : {Trans::N, Trans::T})
        for (int64_t M : {1, 7, 33, 100})
          for (int64_t N : {1, 17, 33, 100})
            for (int64_t K : {1, 7, 100, 600}) {  // 600 > one K slice (512): beta, then accumulate
              for (Act act : {Act::None, Act::ReLU, Act::Sigmoid}) {
                Case c{ta, tb, M, N, K, 0.75f, 0.5f, true, act, 3};
                const double err = run_case(c, seed++);
                ASSERT_LT(err, 2e-6 * std::sqrt(double(K)))
                    << tn(ta) << tn(tb) << " M=" << M << " N=" << N << " K=" << K;
              }
            }
  }
  detail::gemm_force_isa(Isa::Auto);
}

TEST(Gemm, EpilogueEveryActivationAlphaBetaBias) {
  uint32_t seed = 500;
  for (Act act : {Act::None, Act::ReLU, Act::LeakyReLU, Act::Sigmoid, Act::Tanh, Act::Softplus})
    for (float alpha : {1.0f, -0.5f})
      for (float beta : {0.0f, 1.0f, 0.25f})
        for (bool bias : {false, true})
          for (Trans ta : {Trans::N, Trans::T}) {
            Case c{ta, Trans::T, 33, 65, 50, alpha, beta, bias, act, 5};
            const double err = run_case(c, seed++);
            ASSERT_LT(err, 1e-5) << "act=" << int(act) << " alpha=" << alpha << " beta=" << beta
                                 << " bias=" << bias;
          }
}

TEST(Gemm, LeadingDimensionsLargerThanMinimal) {
  uint32_t seed = 900;
  for (Trans ta : {Trans::N, Trans::T})
    for (Trans tb : {Trans::N, Trans::T}) {
      Case c{ta, tb, 45, 70, 90, 1.0f, 0.5f, true, Act::None, 13};
      ASSERT_LT(run_case(c, seed++), 1e-5) << tn(ta) << tn(tb);
    }
}

TEST(Gemm, BetaZeroIgnoresNaNInC) {
  // run_case fills C with NaN when beta == 0; any NaN leaking through returns infinity.
  for (Trans ta : {Trans::N, Trans::T}) {
    Case c{ta, Trans::N, 100, 257, 33, 1.0f, 0.0f, true, Act::ReLU, 0};
    ASSERT_LT(run_case(c, 7), 1e-5);
  }
}

TEST(Gemm, KZeroAndAlphaZeroGiveEpilogueOnly) {
  std::vector<float> C = {1, 2, 3, 4, 5, 6};
  const float bias[3] = {10, 20, 30};
  Epilogue ep;
  ep.bias = bias;
  gemm(Trans::N, Trans::N, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3, 2.0f, C.data(), 3, ep);
  EXPECT_EQ(C, (std::vector<float>{12, 24, 36, 18, 30, 42}));
  std::vector<float> D(6, std::numeric_limits<float>::quiet_NaN());
  ep.act = Act::ReLU;
  const float a[4] = {1, 2, 3, 4}, b[6] = {1, 2, 3, 4, 5, 6};
  const float nb[3] = {-1, 0, 1};
  ep.bias = nb;
  gemm(Trans::N, Trans::N, 2, 3, 2, 0.0f, a, 2, b, 3, 0.0f, D.data(), 3, ep);
  EXPECT_EQ(D, (std::vector<float>{0, 0, 1, 0, 0, 1}));
}

TEST(Gemm, SmallHandComputed) {
  // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]
  const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
  float c[4];
  gemm(Trans::N, Trans::N, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
  EXPECT_EQ(c[0], 19);
  EXPECT_EQ(c[1], 22);
  EXPECT_EQ(c[2], 43);
  EXPECT_EQ(c[3], 50);
  gemm(Trans::T, Trans::T, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);  // A^T B^T = (BA)^T
  EXPECT_EQ(c[0], 23);
  EXPECT_EQ(c[1], 31);
  EXPECT_EQ(c[2], 34);
  EXPECT_EQ(c[3], 46);
}

TEST(Gemm, ThreadCountDoesNotChangeBits) {
  const int saved = num_threads();
  for (Trans ta : {Trans::N, Trans::T})
    for (Trans tb : {Trans::N, Trans::T})
      for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{256, 256, 784},
                             {257, 100, 513},
                             {33, 700, 129}}) {
        const int64_t lda = ta == Trans::N ? K : M, ldb = tb == Trans::N ? N : K;
        auto A = rand_vec(static_cast<size_t>(M * K), 11);
        auto B = rand_vec(static_cast<size_t>(K * N), 12);
        auto bias = rand_vec(static_cast<size_t>(N), 13);
        Epilogue ep{bias.data(), Act::Tanh, 0.01f};
        std::vector<float> C1 = rand_vec(static_cast<size_t>(M * N), 14), C2 = C1;
        set_num_threads(1);
        gemm(ta, tb, M, N, K, 0.9f, A.data(), lda, B.data(), ldb, 0.3f, C1.data(), N, ep);
        set_num_threads(2);
        gemm(ta, tb, M, N, K, 0.9f, A.data(), lda, B.data(), ldb, 0.3f, C2.data(), N, ep);
        ASSERT_EQ(0, std::memcmp(C1.data(), C2.data(), C1.size() * sizeof(float)))
            << tn(ta) << tn(tb) << " " << M << "x" << N << "x" << K;
      }
  set_num_threads(saved);
}

}  // namespace
}  // namespace hg::kernels::cpu
