// The fused per-sample reconstruction error (the anomaly detector's scoring kernel) and its
// gradient.
//
// Idea: ONE pass over x and r. Each row belongs to one warp (one 256-thread block when cols >=
// 2048, so a few very wide rows still fill the GPU); lanes walk the row in float4 quads (when cols
// % 4 == 0 and x, r, feat_err are 16-byte aligned: 128-byte coalesced warp loads), compute e(x, r),
// write it to feat_err in the same pass when asked, and accumulate it in double; a butterfly of
// warp shuffles (plus shared memory across the 8 warps in the block-per-row case) gives the row
// sum, lane 0 writes the mean. No temporaries, no second kernel, no atomics: deterministic. The
// backward pass is the same row walk writing dr = (g_row[i] / cols) * e'(x, r): g_row[i] is loaded
// once per row, and there is no per-element division by cols to find the row. Bytes / FLOPs per
// element: forward reads 8 B (+ writes 4 B with feat_err), ~3 FLOPs (MSE) or two logf (BCE) or expf
// + log1pf (BCE with logits); backward reads 8 B, writes 4 B. Memory-bandwidth bound on H100; the
// ceiling is the D2D-copy rate (8 B per element). Measured (H200, 2026-11-30,
// bench_bandwidth_cuda): 4.01 TB/s on 65536x784 (MSE), 99% of a
//   device-to-device copy (4.04 TB/s); BCE-with-logits 3.49 TB/s (86%); 4.3 us at 256x784 (launch).
#include "kernels/cuda/ops/loss.h"
#include "kernels/cuda/ops/loss_terms.cuh"
#include "kernels/cuda/ops/reduce_impl.cuh"

namespace hg::kernels::cuda {
namespace {

template <class E>
void recon_forward(const float* x, const float* r, float* row_err, float* feat_err, int64_t rows,
                   int64_t cols, cudaStream_t stream) {
  if (feat_err)
    ops_detail::row_reduce<true, true>(x, r, row_err, feat_err, rows, cols, /*mean=*/true, E{},
                                       stream);
  else
    ops_detail::row_reduce<true, false>(x, r, row_err, nullptr, rows, cols, /*mean=*/true, E{},
                                        stream);
}

template <int TPR, class D>
__global__ void __launch_bounds__(ops_detail::kThreads)
    recon_backward_kernel(const float* __restrict__ x, const float* __restrict__ r,
                          const float* __restrict__ g_row, float* dr, int64_t rows, int64_t cols,
                          bool vec, D d) {
  constexpr int kGroups = ops_detail::kThreads / TPR;
  const int lane = static_cast<int>(threadIdx.x) % TPR;
  const int grp = static_cast<int>(threadIdx.x) / TPR;
  const float inv = cols > 0 ? 1.0f / static_cast<float>(cols) : 0.0f;
  const int64_t nq = (cols + 3) / 4;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * kGroups + grp; i < rows;
       i += static_cast<int64_t>(gridDim.x) * kGroups) {
    const float s = g_row[i] * inv;
    const float* xi = x + i * cols;
    const float* ri = r + i * cols;
    float* di = dr + i * cols;
    for (int64_t q = lane; q < nq; q += TPR) {
      const int64_t j = 4 * q;
      if (vec && j + 4 <= cols) {
        const float4 xv = *reinterpret_cast<const float4*>(xi + j);
        const float4 rv = *reinterpret_cast<const float4*>(ri + j);
        *reinterpret_cast<float4*>(di + j) =
            make_float4(s * d(xv.x, rv.x), s * d(xv.y, rv.y), s * d(xv.z, rv.z), s * d(xv.w, rv.w));
      } else {
        const int64_t e = j + 4 < cols ? j + 4 : cols;
        for (int64_t k = j; k < e; ++k) di[k] = s * d(xi[k], ri[k]);
      }
    }
  }
}

template <class D>
void recon_backward(const float* x, const float* r, const float* g_row, float* dr, int64_t rows,
                    int64_t cols, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const bool vec = cols % 4 == 0 && ops_detail::aligned16(x) && ops_detail::aligned16(r) &&
                   ops_detail::aligned16(dr);
  if (cols >= 2048) {
    recon_backward_kernel<ops_detail::kThreads, D>
        <<<ops_detail::blocks_for(rows, 1), ops_detail::kThreads, 0, stream>>>(
            x, r, g_row, dr, rows, cols, vec, D{});
  } else {
    recon_backward_kernel<32, D>
        <<<ops_detail::blocks_for(rows, ops_detail::kWarps), ops_detail::kThreads, 0, stream>>>(
            x, r, g_row, dr, rows, cols, vec, D{});
  }
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace

void recon_error(ReconKind kind, const float* x, const float* r, float* row_err, float* feat_err,
                 int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows <= 0) return;
  switch (kind) {
    case ReconKind::MSE:
      recon_forward<ops_detail::MseE>(x, r, row_err, feat_err, rows, cols, stream);
      return;
    case ReconKind::BCE:
      recon_forward<ops_detail::BceE>(x, r, row_err, feat_err, rows, cols, stream);
      return;
    case ReconKind::BCELogits:
      recon_forward<ops_detail::BceLogitsE>(x, r, row_err, feat_err, rows, cols, stream);
      return;
  }
}

void recon_error_backward(ReconKind kind, const float* x, const float* r, const float* g_row,
                          float* dr, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows <= 0) return;
  switch (kind) {
    case ReconKind::MSE:
      recon_backward<ops_detail::MseD>(x, r, g_row, dr, rows, cols, stream);
      return;
    case ReconKind::BCE:
      recon_backward<ops_detail::BceD>(x, r, g_row, dr, rows, cols, stream);
      return;
    case ReconKind::BCELogits:
      recon_backward<ops_detail::BceLogitsD>(x, r, g_row, dr, rows, cols, stream);
      return;
  }
}

}  // namespace hg::kernels::cuda
