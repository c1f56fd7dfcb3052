// Internal: the deterministic reduction engines shared by reduce.cu, loss.cu and recon_error.cu.
//
// flat_reduce: *out = (sum_i term(a[i], b[i])) / div over n elements, two passes.
//   Pass 1: G blocks (G depends only on n, at most kMaxPartials), each thread accumulates its quads
//   in double in a fixed order, the block sums its threads with a fixed shuffle tree. With G == 1
//   that block writes the result directly (one launch, no scratch); otherwise it writes a partial
//   and pass 2 (one block) adds the G partials, again in a fixed order, and writes the result.
//
// row_reduce: out[r] = (sum_c term(x[r,c], y[r,c])) / (mean ? cols : 1), optionally writing
//   feat[r,c] = term(...) in the same pass. One warp per row (one block per row for >= 2048 cols).
#pragma once
#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda::ops_detail {

constexpr int kMaxPartials = 1024;

template <bool HasB, class Term>
__device__ __forceinline__ double quad_terms(const float* __restrict__ a,
                                             const float* __restrict__ b, int64_t i, int64_t n,
                                             bool vec, const Term& term) {
  double acc = 0.0;
  if (vec && i + 4 <= n) {
    const float4 va = *reinterpret_cast<const float4*>(a + i);
    float4 vb = va;
    if constexpr (HasB) vb = *reinterpret_cast<const float4*>(b + i);
    acc += static_cast<double>(term(va.x, vb.x));
    acc += static_cast<double>(term(va.y, vb.y));
    acc += static_cast<double>(term(va.z, vb.z));
    acc += static_cast<double>(term(va.w, vb.w));
  } else {
    const int64_t e = i + 4 < n ? i + 4 : n;
    for (int64_t k = i; k < e; ++k) {
      const float av = a[k];
      float bv = av;
      if constexpr (HasB) bv = b[k];
      acc += static_cast<double>(term(av, bv));
    }
  }
  return acc;
}

__device__ __forceinline__ void write_result(double v, float* out_f, double* out_d) {
  if (out_f) *out_f = static_cast<float>(v);
  if (out_d) *out_d = v;
}

// Term: __device__ float operator()(float a, float b) const (b == a when !HasB).
template <bool HasB, class Term>
__global__ void __launch_bounds__(kThreads)
    flat_reduce_pass1(const float* __restrict__ a, const float* __restrict__ b, int64_t n, bool vec,
                      Term term, double* __restrict__ partial, float* out_f, double* out_d,
                      double div) {
  __shared__ double smem[kWarps];
  const int64_t nq = (n + 3) / 4;
  double acc = 0.0;
  // Quads are interleaved between the G * kThreads threads (coalesced), one fixed order.
  for (int64_t q = global_thread(); q < nq; q += grid_threads())
    acc += quad_terms<HasB>(a, b, 4 * q, n, vec, term);
  const double total = block_sum(acc, smem);
  if (threadIdx.x == 0) {
    if (gridDim.x == 1)
      write_result(total / div, out_f, out_d);
    else
      partial[blockIdx.x] = total;
  }
}

// Number of pass-1 blocks for n elements: about 16 quads per thread, capped. Depends on n only.
inline int flat_reduce_blocks(int64_t n) {
  const int64_t nq = (n + 3) / 4;
  int64_t g = (nq + int64_t(kThreads) * 16 - 1) / (int64_t(kThreads) * 16);
  if (g < 1) g = 1;
  if (g > kMaxPartials) g = kMaxPartials;
  return static_cast<int>(g);
}

// Host side of flat_reduce (defined in reduce.cu): launches pass 2 and handles n <= 0.
void flat_reduce_finish(double* partial, int np, float* out_f, double* out_d, double div,
                        cudaStream_t stream);
void write_zero(float* out_f, double* out_d, cudaStream_t stream);

template <bool HasB, class Term>
void flat_reduce(const float* a, const float* b, int64_t n, Term term, double div, float* out_f,
                 double* out_d, cudaStream_t stream) {
  if (n <= 0) {
    write_zero(out_f, out_d, stream);
    return;
  }
  const bool vec = aligned16(a) && (!HasB || aligned16(b));
  const int g = flat_reduce_blocks(n);
  if (g == 1) {
    flat_reduce_pass1<HasB, Term>
        <<<1, kThreads, 0, stream>>>(a, b, n, vec, term, nullptr, out_f, out_d, div);
    HG_CUDA_CHECK_LAUNCH();
    return;
  }
  StreamScratch scratch(static_cast<size_t>(g) * sizeof(double), stream);
  flat_reduce_pass1<HasB, Term>
      <<<g, kThreads, 0, stream>>>(a, b, n, vec, term, scratch.as<double>(), out_f, out_d, div);
  HG_CUDA_CHECK_LAUNCH();
  flat_reduce_finish(scratch.as<double>(), g, out_f, out_d, div, stream);
}

// ---- per-row reduction
// --------------------------------------------------------------------------- TPR threads per row:
// 32 (a warp; the 8 warps of a block take 8 different rows and never synchronise) or kThreads (the
// whole block takes one row; every thread runs the same row loop, so the __syncthreads inside
// block_sum is reached uniformly). Term: float operator()(float x, float y); out[r] = sum / (mean ?
// cols : 1) rounded to float.
template <int TPR, bool HasY, bool WriteFeat, class Term>
__global__ void __launch_bounds__(kThreads)
    row_reduce_kernel(const float* __restrict__ x, const float* __restrict__ y,
                      float* __restrict__ out, float* __restrict__ feat, int64_t rows, int64_t cols,
                      bool mean, bool vec, Term term) {
  static_assert(TPR == 32 || TPR == kThreads, "a warp or a block per row");
  constexpr int kGroups = kThreads / TPR;
  const int lane = static_cast<int>(threadIdx.x) % TPR;
  const int grp = static_cast<int>(threadIdx.x) / TPR;
  const int64_t nq = (cols + 3) / 4;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kGroups + grp; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kGroups) {
    const float* xr = x + r * cols;
    const float* yr = HasY ? y + r * cols : xr;
    float* fr = WriteFeat ? feat + r * cols : nullptr;
    double acc = 0.0;
    for (int64_t q = lane; q < nq; q += TPR) {
      const int64_t j = 4 * q;
      if (vec && j + 4 <= cols) {
        const float4 xv = *reinterpret_cast<const float4*>(xr + j);
        float4 yv = xv;
        if constexpr (HasY) yv = *reinterpret_cast<const float4*>(yr + j);
        const float4 e =
            make_float4(term(xv.x, yv.x), term(xv.y, yv.y), term(xv.z, yv.z), term(xv.w, yv.w));
        if constexpr (WriteFeat) *reinterpret_cast<float4*>(fr + j) = e;
        acc += static_cast<double>(e.x);
        acc += static_cast<double>(e.y);
        acc += static_cast<double>(e.z);
        acc += static_cast<double>(e.w);
      } else {
        const int64_t end = j + 4 < cols ? j + 4 : cols;
        for (int64_t k = j; k < end; ++k) {
          const float xv = xr[k];
          float yv = xv;
          if constexpr (HasY) yv = yr[k];
          const float e = term(xv, yv);
          if constexpr (WriteFeat) fr[k] = e;
          acc += static_cast<double>(e);
        }
      }
    }
    double total;
    if constexpr (TPR == 32) {
      total = warp_sum(acc);
    } else {
      __shared__ double smem[kWarps];
      total = block_sum(acc, smem);
    }
    if (lane == 0)
      out[r] =
          cols > 0 ? static_cast<float>(mean ? total / static_cast<double>(cols) : total) : 0.0f;
  }
}

template <bool HasY, bool WriteFeat, class Term>
void row_reduce(const float* x, const float* y, float* out, float* feat, int64_t rows, int64_t cols,
                bool mean, Term term, cudaStream_t stream) {
  if (rows <= 0) return;
  const bool vec =
      cols % 4 == 0 && aligned16(x) && (!HasY || aligned16(y)) && (!WriteFeat || aligned16(feat));
  if (cols >= 2048) {
    row_reduce_kernel<kThreads, HasY, WriteFeat, Term>
        <<<blocks_for(rows, 1), kThreads, 0, stream>>>(x, y, out, feat, rows, cols, mean, vec,
                                                       term);
  } else {
    row_reduce_kernel<32, HasY, WriteFeat, Term><<<blocks_for(rows, kWarps), kThreads, 0, stream>>>(
        x, y, out, feat, rows, cols, mean, vec, term);
  }
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda::ops_detail
