// The two small kernels every convolution algo shares.
//
// bias_act: y = act(y + bias[k]) in place over y [N, K, PQ]. The GEMM epilogue adds its bias per
//   COLUMN; a convolution's bias is per output channel, i.e. per ROW of each image's [K, PQ] block,
//   so the algos that do not fuse it (hg-im2col folds it into its scatter; cudnn) run this pass:
//   8 bytes per output element, bandwidth-bound, small next to the convolution itself.
// dbias: dbias[k] = sum over (n, p, q) of dy. One 256-thread block per channel walks its N strided
//   planes (each plane contiguous, so the loads coalesce), accumulates in double and finishes with
//   the fixed-order block tree of kernels/cuda/ops/common.cuh: deterministic, and exact enough
//   that the result is the correctly rounded fp32 sum for all practical sizes.
//   4 bytes read per dy element; bandwidth-bound; K blocks, so very small K under-fills the GPU.
// Measured: not benchmarked yet; checked against the CPU path on an H200 (2026-11-30: GPU tests,
//   compute-sanitizer memcheck and racecheck clean).
#include "kernels/cuda/conv/conv_detail.h"
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/ops/common.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::conv_detail {
namespace {

using ops_detail::kThreads;

__global__ void __launch_bounds__(kThreads)
    bias_act_kernel(float* y, int64_t total, int64_t K, int64_t PQ, const float* bias, Act act,
                    float alpha) {
  for (int64_t i = ops_detail::global_thread(); i < total; i += ops_detail::grid_threads()) {
    float v = y[i];
    if (bias) v += bias[(i / PQ) % K];
    y[i] = actfn::apply(act, v, alpha);
  }
}

__global__ void __launch_bounds__(kThreads)
    dbias_kernel(const float* dy, int64_t N, int64_t K, int64_t PQ, float* dbias) {
  __shared__ double red[ops_detail::kWarps];
  const int64_t k = blockIdx.x;
  double acc = 0.0;
  const int64_t count = N * PQ;  // flattened (n, i) so small planes still use every thread
  for (int64_t j = threadIdx.x; j < count; j += kThreads) {
    const int64_t n = j / PQ, i = j - n * PQ;
    acc += double(dy[(n * K + k) * PQ + i]);
  }
  const double t = ops_detail::block_sum(acc, red);
  if (threadIdx.x == 0) dbias[k] = float(t);
}

}  // namespace

void launch_bias_act(float* y, int64_t N, int64_t K, int64_t PQ, const float* bias, Act act,
                     float alpha, cudaStream_t s) {
  if (!bias && act == Act::None) return;
  const int64_t total = N * K * PQ;
  if (total <= 0) return;
  bias_act_kernel<<<ops_detail::blocks_for(total), kThreads, 0, s>>>(y, total, K, PQ, bias, act,
                                                                     alpha);
  HG_CUDA_CHECK_LAUNCH();
}

void launch_dbias(const float* dy, int64_t N, int64_t K, int64_t PQ, float* dbias, cudaStream_t s) {
  if (!dbias || K <= 0) return;
  dbias_kernel<<<static_cast<unsigned>(K), kThreads, 0, s>>>(dy, N, K, PQ, dbias);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda::conv_detail
