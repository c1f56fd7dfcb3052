// GEMM 09 — cuBLAS, the yardstick the series is measured against.
//
// Idea: cuBLAS is column-major; a row-major C[M,N] is, byte for byte, the column-major matrix
//   C^T [N,M] with the same leading dimension. So instead of transposing anything we ask cuBLAS
//   for C^T = op(B)^T * op(A)^T: pass B first and A second, swap M and N, and keep each operand's
//   own N/T flag (a row-major [K,N] B seen column-major is already op(B)^T). Two entries:
//   "cublas"      cublasSgemm in CUBLAS_PEDANTIC_MATH (true FP32, no TF32 shortcuts);
//   "cublas-tf32" cublasGemmEx with CUBLAS_COMPUTE_32F_FAST_TF32 (tensor cores, TF32 inputs).
//   cuBLAS computes alpha*op(A)op(B) + beta*C; bias and activation, when asked for, run as one
//   extra elementwise pass (epilogue.cu) since this interface has no fused epilogue.
// Per output element: 2K FLOPs; cuBLAS's large tiles (128x256-class, multi-stage cp.async/TMA
//   pipelines, wgmma for TF32 on Hopper) put global traffic far above the ridge point.
// Limit: FP32 FMA peak (~67 TFLOP/s H100 SXM) for "cublas", the TF32 tensor-core peak for
//   "cublas-tf32"; small shapes are launch/occupancy-bound. The extra epilogue pass costs 8 bytes
//   per element of C.
// Figure (H200, 2026-11-30, bench_gemm_cuda): 51.1 TFLOP/s fp32 and 346 TFLOP/s TF32 at 4096^3;
//   4.8-6.2 TFLOP/s fp32 on the 256x256x784-class autoencoder layers.
#include <cublas_v2.h>

#include <climits>
#include <utility>
#include <vector>

#include "kernels/common/error.h"
#include "kernels/cuda/gemm/cublas_check.h"
#include "kernels/cuda/gemm/gemm_params.h"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::gemm_detail {
namespace {

// One handle per (thread, device), created on first use and destroyed when the thread exits.
// (cuBLAS handles are bound to the device current at creation and must not be shared across
// threads without care; per-thread caching sidesteps both.)
struct HandleCache {
  std::vector<std::pair<int, cublasHandle_t>> handles;
  HandleCache() = default;
  HandleCache(const HandleCache&) = delete;
  HandleCache& operator=(const HandleCache&) = delete;
  ~HandleCache() {
    for (auto& dh : handles) cublasDestroy(dh.second);  // status ignored: nothing to do at exit
  }
};

cublasHandle_t handle_for_current_device() {
  thread_local HandleCache cache;
  int dev = 0;
  HG_CUDA_CHECK(cudaGetDevice(&dev));
  for (auto& dh : cache.handles)
    if (dh.first == dev) return dh.second;
  cublasHandle_t h = nullptr;
  HG_CUBLAS_CHECK(cublasCreate(&h));
  cache.handles.emplace_back(dev, h);
  return h;
}

int as_int(int64_t v, const char* what) {
  if (v > INT_MAX)
    throw ::hg::Error(std::string("gemm cublas: ") + what + " = " + std::to_string(v) +
                      " does not fit the 32-bit cuBLAS interface");
  return static_cast<int>(v);
}

void finish_epilogue(const GemmParams& p, cudaStream_t s) {
  if (p.bias || p.act != Act::None)
    launch_scale_bias_act(p.C, p.ldc, p.M, p.N, 1.0f, p.bias, p.act, p.act_alpha, s);
}

}  // namespace

void gemm_cublas(const GemmParams& p, cudaStream_t s) {
  cublasHandle_t h = handle_for_current_device();
  HG_CUBLAS_CHECK(cublasSetStream(h, s));
  HG_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH));
  // Column-major view: C^T[N,M] = op(B)^T[N,K] * op(A)^T[K,M].
  HG_CUBLAS_CHECK(cublasSgemm(h, p.tb ? CUBLAS_OP_T : CUBLAS_OP_N, p.ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                              as_int(p.N, "N"), as_int(p.M, "M"), as_int(p.K, "K"), &p.alpha, p.B,
                              as_int(p.ldb, "ldb"), p.A, as_int(p.lda, "lda"), &p.beta, p.C,
                              as_int(p.ldc, "ldc")));
  HG_CUDA_CHECK_LAUNCH();
  finish_epilogue(p, s);
}

void gemm_cublas_tf32(const GemmParams& p, cudaStream_t s) {
  cublasHandle_t h = handle_for_current_device();
  HG_CUBLAS_CHECK(cublasSetStream(h, s));
  // The compute type below asks for TF32 explicitly; default math mode lets cuBLAS honour it.
  HG_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
  HG_CUBLAS_CHECK(cublasGemmEx(
      h, p.tb ? CUBLAS_OP_T : CUBLAS_OP_N, p.ta ? CUBLAS_OP_T : CUBLAS_OP_N, as_int(p.N, "N"),
      as_int(p.M, "M"), as_int(p.K, "K"), &p.alpha, p.B, CUDA_R_32F, as_int(p.ldb, "ldb"), p.A,
      CUDA_R_32F, as_int(p.lda, "lda"), &p.beta, p.C, CUDA_R_32F, as_int(p.ldc, "ldc"),
      CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT));
  HG_CUDA_CHECK_LAUNCH();
  finish_epilogue(p, s);
}

}  // namespace hg::kernels::cuda::gemm_detail
