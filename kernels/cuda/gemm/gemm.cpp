// The GEMM entry point: name lookup, argument validation, the K == 0 case, and the kernel table.
#include "kernels/cuda/gemm/gemm.h"

#include <climits>
#include <cstdint>
#include <cstdlib>

#include "kernels/common/error.h"
#include "kernels/cuda/gemm/gemm_params.h"

namespace hg::kernels::cuda {
namespace {

using gemm_detail::GemmLauncher;

struct Entry {
  const char* name;
  GemmLauncher launch;
  bool tf32;
};

// Teaching order; the files are kernels/cuda/gemm/01_naive.cu ... 09_cublas.cpp.
constexpr Entry kKernels[] = {
    {"hg-naive", gemm_detail::gemm_naive, false},
    {"hg-coalesced", gemm_detail::gemm_coalesced, false},
    {"hg-smem", gemm_detail::gemm_smem, false},
    {"hg-reg1d", gemm_detail::gemm_reg1d, false},
    {"hg-reg2d", gemm_detail::gemm_reg2d, false},
    {"hg-vec", gemm_detail::gemm_vec, false},
    {"hg-warptile", gemm_detail::gemm_warptile, false},
    {"hg-tf32", gemm_detail::gemm_tf32, true},
    {"cublas", gemm_detail::gemm_cublas, false},
    {"cublas-tf32", gemm_detail::gemm_cublas_tf32, true},
};

constexpr const char* kDefaultKernel = "hg-warptile";

std::string names_list() {
  std::string s;
  for (const Entry& e : kKernels) {
    if (!s.empty()) s += ", ";
    s += e.name;
  }
  return s;
}

const Entry& find_kernel(const std::string& name, const char* origin) {
  for (const Entry& e : kKernels)
    if (name == e.name) return e;
  throw Error(std::string("unknown GEMM kernel '") + name + "'" + origin +
              "; known kernels: " + names_list());
}

using ::hg::kernels::aligned16;  // kernels/common/launch.h

void check_ld(int64_t ld, int64_t need, const char* what) {
  const int64_t min_ld = need > 1 ? need : 1;
  if (ld < min_ld)
    throw Error(std::string("gemm: ") + what + " = " + std::to_string(ld) + " is less than " +
                std::to_string(min_ld));
}

}  // namespace

std::vector<std::string> gemm_kernel_names() {
  std::vector<std::string> out;
  for (const Entry& e : kKernels) out.emplace_back(e.name);
  return out;
}

std::string default_gemm_kernel() {
  const char* env = std::getenv("HG_GEMM");
  if (env && *env) return find_kernel(env, " (from $HG_GEMM)").name;
  return kDefaultKernel;
}

bool gemm_kernel_uses_tf32(const std::string& kernel) {
  return find_kernel(kernel.empty() ? default_gemm_kernel() : kernel, "").tf32;
}

void gemm(const std::string& kernel, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K,
          float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
          float* C, int64_t ldc, const Epilogue& ep, cudaStream_t stream) {
  const Entry& k = find_kernel(kernel.empty() ? default_gemm_kernel() : kernel, "");
  if (M < 0 || N < 0 || K < 0)
    throw Error("gemm: negative size M=" + std::to_string(M) + " N=" + std::to_string(N) +
                " K=" + std::to_string(K));
  check_ld(lda, ta == Trans::N ? K : M, ta == Trans::N ? "lda (A is [M,K])" : "lda (A is [K,M])");
  check_ld(ldb, tb == Trans::N ? N : K, tb == Trans::N ? "ldb (B is [K,N])" : "ldb (B is [N,K])");
  check_ld(ldc, N, "ldc (C is [M,N])");
  if (M == 0 || N == 0) return;
  if (!C) throw Error("gemm: C is null");
  if (K > 0 && (!A || !B)) throw Error("gemm: A or B is null");

  if (K == 0) {  // no product: C = act(beta*C + bias)
    gemm_detail::launch_scale_bias_act(C, ldc, M, N, beta, ep.bias, ep.act, ep.act_alpha, stream);
    return;
  }
  gemm_detail::GemmParams p;
  p.M = M;
  p.N = N;
  p.K = K;
  p.alpha = alpha;
  p.beta = beta;
  p.A = A;
  p.lda = lda;
  p.B = B;
  p.ldb = ldb;
  p.C = C;
  p.ldc = ldc;
  p.bias = ep.bias;
  p.act = ep.act;
  p.act_alpha = ep.act_alpha;
  p.ta = ta == Trans::T;
  p.tb = tb == Trans::T;
  p.a_vec = lda % 4 == 0 && aligned16(A);
  p.b_vec = ldb % 4 == 0 && aligned16(B);
  p.c_vec = ldc % 4 == 0 && aligned16(C);
  k.launch(p, stream);
}

namespace gemm_detail {

dim3 checked_grid(int64_t nx, int64_t ny, const char* kernel) {
  if (nx < 1 || ny < 1 || nx > INT_MAX || ny > 65535)
    throw Error(std::string("gemm ") + kernel + ": grid " + std::to_string(nx) + " x " +
                std::to_string(ny) + " exceeds the CUDA limits (x <= 2^31-1, y <= 65535)");
  return dim3(static_cast<unsigned>(nx), static_cast<unsigned>(ny), 1);
}

}  // namespace gemm_detail
}  // namespace hg::kernels::cuda
