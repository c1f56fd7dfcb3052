// The CUDA GEMM series against the CPU reference (kernels::cpu::gemm_reference, double
// accumulation): every kernel x {NN, NT, TN, TT} x odd sizes x {beta 0 on NaN-poisoned C,
// beta 0.5}, with a bias and one of the activations, plus padded leading dimensions (the float4
// paths with ragged edges) and K == 0.
//
// Tolerance: |got - want| <= tol * (|want| + 0.1*sqrt(K)), i.e. max_rel_error(.., atol =
// 0.1*sqrt(K)) <= tol. Inputs are U(-1,1), so sqrt(K)/3 is the typical size of a dot product and
// the atol term covers outputs that cancel to near zero. fp32 kernels: tol 1e-4 (absolute slack
// 1e-5*sqrt(K)); TF32 kernels round inputs to a 10-bit mantissa (~1.3e-4*sqrt(K) rms absolute
// error), tol 5e-3 with atol 0.5*sqrt(K). An indexing bug gives O(1) errors under either.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/util/error.h"
#include "gpu_test_util.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cuda/gemm/gemm.h"

namespace hg::test {
namespace {

namespace kcuda = kernels::cuda;
using kernels::cpu::Act;
using kernels::cpu::Epilogue;
using kernels::cpu::Trans;

struct Shape {
  int64_t M, N, K;
};

const char* act_name(Act a) {
  return kernels::visit_act(a, [](auto row) { return decltype(row)::name; });
}

double tolerance(const std::string& kernel) {
  return kcuda::gemm_kernel_uses_tf32(kernel) ? 5e-3 : 1e-4;
}
double atol_for(const std::string& kernel, int64_t K) {
  const double s = std::sqrt(double(K > 0 ? K : 1));
  return (kcuda::gemm_kernel_uses_tf32(kernel) ? 0.5 : 0.1) * s;
}

// Leading dimensions: tight (ld = the minimum), odd padding (minimum + 3: scalar paths), or
// aligned padding (minimum rounded up to a multiple of 4, plus 4: float4 paths, ragged edges).
enum class Ld { Tight, Odd, Aligned };
int64_t make_ld(int64_t min_ld, Ld mode) {
  if (min_ld < 1) min_ld = 1;
  switch (mode) {
    case Ld::Tight: return min_ld;
    case Ld::Odd: return min_ld + 3;
    case Ld::Aligned: return (min_ld + 3) / 4 * 4 + 4;
  }
  return min_ld;
}
const char* ld_name(Ld m) { return m == Ld::Tight ? "tight" : m == Ld::Odd ? "odd" : "aligned"; }

// One case. Checks the [M,N] result against the reference and that the padding columns of C (if
// any) are untouched.
void run_case(const std::string& kernel, Trans ta, Trans tb, Shape s, float beta, Act act,
              bool with_bias, Ld ld_mode, uint64_t seed) {
  const int64_t M = s.M, N = s.N, K = s.K;
  const int64_t lda = make_ld(ta == Trans::N ? K : M, ld_mode);
  const int64_t ldb = make_ld(tb == Trans::N ? N : K, ld_mode);
  const int64_t ldc = make_ld(N, ld_mode);
  const int64_t a_rows = ta == Trans::N ? M : K, b_rows = tb == Trans::N ? K : N;
  const std::vector<float> hA = random_vector(size_t(a_rows * lda), seed);
  const std::vector<float> hB = random_vector(size_t(b_rows * ldb), seed + 1);
  const std::vector<float> hbias = random_vector(size_t(N), seed + 2);
  std::vector<float> hC;
  if (beta != 0.0f)
    hC = random_vector(size_t(M * ldc), seed + 3);
  else
    hC.assign(size_t(M * ldc), std::nanf(""));  // must be ignored

  DeviceBuffer dA(hA), dB(hB), dbias(hbias);
  DeviceBuffer dC(hC.size());  // NaN-poisoned
  if (beta != 0.0f) dC.upload(hC);

  Epilogue ep;
  ep.act = act;
  ep.act_alpha = 0.05f;
  ep.bias = with_bias ? dbias.get() : nullptr;
  const float alpha = 0.75f;
  kcuda::gemm(kernel, ta, tb, M, N, K, alpha, dA.get(), lda, dB.get(), ldb, beta, dC.get(), ldc,
              ep);
  const std::vector<float> got_full = dC.download();  // synchronises, surfaces kernel faults

  Epilogue hep = ep;
  hep.bias = with_bias ? hbias.data() : nullptr;
  std::vector<float> want_full = hC;
  kernels::cpu::gemm_reference(ta, tb, M, N, K, alpha, hA.data(), lda, hB.data(), ldb, beta,
                               want_full.data(), ldc, hep);

  std::vector<float> got, want;
  got.reserve(size_t(M * N));
  want.reserve(size_t(M * N));
  int64_t pad_touched = 0;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const size_t at = size_t(i * ldc + j);
      if (j < N) {
        got.push_back(got_full[at]);
        want.push_back(want_full[at]);
      } else {
        const bool same = std::isnan(hC[at]) ? std::isnan(got_full[at]) : got_full[at] == hC[at];
        if (!same) ++pad_touched;
      }
    }
  }
  const double err = max_rel_error(got, want, atol_for(kernel, K));
  EXPECT_LE(err, tolerance(kernel))
      << kernel << " " << (ta == Trans::N ? 'N' : 'T') << (tb == Trans::N ? 'N' : 'T') << " M=" << M
      << " N=" << N << " K=" << K << " beta=" << beta << " act=" << act_name(act)
      << " bias=" << with_bias << " ld=" << ld_name(ld_mode) << " (lda=" << lda << " ldb=" << ldb
      << " ldc=" << ldc << ")";
  EXPECT_EQ(pad_touched, 0) << kernel << ": wrote into the padding between rows of C";
}

class GemmCuda : public ::testing::TestWithParam<std::string> {};

TEST_P(GemmCuda, MatchesCpuReferenceAllTransposesAndSizes) {
  HG_REQUIRE_GPU();
  const std::string kernel = GetParam();
  const Shape shapes[] = {{1, 1, 1}, {7, 33, 5}, {33, 7, 65}, {128, 128, 128}, {1000, 33, 257}};
  const auto& acts = kernels::kActivations;
  uint64_t seed = 100;
  int n = 0;
  for (Trans ta : {Trans::N, Trans::T})
    for (Trans tb : {Trans::N, Trans::T})
      for (const Shape& s : shapes)
        for (float beta : {0.0f, 0.5f}) {
          run_case(kernel, ta, tb, s, beta, acts[n % 6], /*with_bias=*/true, Ld::Tight, seed);
          seed += 10;
          ++n;
          if (HasFailure()) return;  // one clear failure, not 40 copies of it
        }
}

// Leading dimensions padded so they are multiples of 4 while M, N, K are not: the float4 load and
// store paths run with 4-vectors that straddle the matrix edge and must fall back to scalars.
TEST_P(GemmCuda, PaddedLeadingDimensionsAndRaggedEdges) {
  HG_REQUIRE_GPU();
  const std::string kernel = GetParam();
  const Shape shapes[] = {{33, 7, 65}, {130, 129, 19}};
  uint64_t seed = 900;
  for (Trans ta : {Trans::N, Trans::T})
    for (Trans tb : {Trans::N, Trans::T})
      for (const Shape& s : shapes) {
        run_case(kernel, ta, tb, s, 0.5f, Act::ReLU, /*with_bias=*/false, Ld::Odd, seed);
        run_case(kernel, ta, tb, s, 0.0f, Act::Tanh, /*with_bias=*/true, Ld::Aligned, seed + 5);
        run_case(kernel, ta, tb, s, 0.5f, Act::Softplus, /*with_bias=*/true, Ld::Aligned, seed + 7);
        seed += 10;
        if (HasFailure()) return;
      }
}

TEST_P(GemmCuda, KZeroGivesActOfBetaCPlusBias) {
  HG_REQUIRE_GPU();
  const std::string kernel = GetParam();
  for (float beta : {0.0f, 0.5f})
    run_case(kernel, Trans::N, Trans::T, {9, 17, 0}, beta, Act::Sigmoid, true, Ld::Tight, 77);
}

INSTANTIATE_TEST_SUITE_P(AllKernels, GemmCuda, ::testing::ValuesIn(kcuda::gemm_kernel_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// The name table needs no device: these run everywhere.
TEST(GemmCudaNames, ListsAllKernels) {
  const std::vector<std::string> names = kcuda::gemm_kernel_names();
  for (const char* n : {"hg-naive", "hg-coalesced", "hg-smem", "hg-reg1d", "hg-reg2d", "hg-vec",
                        "hg-warptile", "hg-tf32", "cublas", "cublas-tf32"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_TRUE(kcuda::gemm_kernel_uses_tf32("hg-tf32"));
  EXPECT_TRUE(kcuda::gemm_kernel_uses_tf32("cublas-tf32"));
  EXPECT_FALSE(kcuda::gemm_kernel_uses_tf32("hg-warptile"));
}

TEST(GemmCudaNames, UnknownNameThrowsListingNames) {
  float dummy = 0.0f;
  try {
    kcuda::gemm("hg-nope", Trans::N, Trans::N, 1, 1, 1, 1.0f, &dummy, 1, &dummy, 1, 0.0f, &dummy,
                1);
    FAIL() << "expected hg::Error";
  } catch (const hg::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("hg-nope"), std::string::npos) << what;
    EXPECT_NE(what.find("hg-warptile"), std::string::npos) << what;
    EXPECT_NE(what.find("cublas-tf32"), std::string::npos) << what;
  }
}

TEST(GemmCudaNames, BadLeadingDimensionThrows) {
  float dummy = 0.0f;
  EXPECT_THROW(kcuda::gemm("hg-naive", Trans::N, Trans::N, 4, 4, 8, 1.0f, &dummy, 7, &dummy, 4,
                           0.0f, &dummy, 4),
               hg::Error);
}

TEST(GemmCudaNames, DefaultHonoursHG_GEMM) {
  const char* old = std::getenv("HG_GEMM");
  const std::string saved = old ? old : "";
  unsetenv("HG_GEMM");
  EXPECT_EQ(kcuda::default_gemm_kernel(), "hg-warptile");
  setenv("HG_GEMM", "hg-smem", 1);
  EXPECT_EQ(kcuda::default_gemm_kernel(), "hg-smem");
  setenv("HG_GEMM", "bogus", 1);
  EXPECT_THROW(kcuda::default_gemm_kernel(), hg::Error);
  if (old)
    setenv("HG_GEMM", saved.c_str(), 1);
  else
    unsetenv("HG_GEMM");
}

}  // namespace
}  // namespace hg::test
