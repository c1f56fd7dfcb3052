// Row softmax, softmax cross-entropy (forward and backward) and row argmax on the GPU.
//
// Idea: one warp per row (one 256-thread block per row when cols >= 2048, so a handful of very wide
// rows still fills the GPU), rows handed out by a grid-stride loop. A classification row (C <=
// ~1000 classes, 4 KB) is read from HBM once and walked a second time from L1/L2:
//   pass 1: lane-local max, then a butterfly of __shfl_xor_sync (max is exact: every lane and the
//           CPU agree on m to the bit);
//   pass 2: lane-local sum of expf(z - m) in double, then the shuffle tree of common.cuh.
// Every exponent is <= 0, so logits of +-1000 cannot overflow. Lane 0 writes the row's stats
// {m, s} (8 bytes) and loss = (m - z[label]) + log s, the difference taken in double. The backward
// rebuilds p = expf(z - m) * (1 / s) from z and the stats while it writes dz = (g / B)(p - onehot):
// one read, one write, no [B, C] probability matrix kept alive between forward and backward.
// Lanes walk the row in float4 quads when cols % 4 == 0 and the pointers are 16-byte aligned
// (128-byte coalesced warp loads); the per-lane element order is the same either way.
// No atomics: every result is deterministic. Products that feed an add use rn_mul (no FMA
// contraction) so the GPU rounds as the CPU twin does, up to expf / logf differences.
// Bytes / FLOPs per element: CE forward reads 4 B (+ a cached re-read), one expf, a max, a double
// add; CE backward reads 4 B, writes 4 B, one expf, 2 FLOPs; softmax forward 4 B in, 4 B out, one
// expf; softmax backward reads 8 B (y, g), re-reads them cached, writes 4 B. For C ~ 1000 and large
// B all are HBM-bandwidth bound (expf runs on the SFUs at far more than 1 per 4 bytes moved); for
// small C (a warp on a 3-class row idles 29 lanes) and small B they are launch bound.
// Measured: not benchmarked yet.
#include "kernels/cuda/ops/softmax_ce.h"

#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda {
namespace {

using ops_detail::aligned16;
using ops_detail::blocks_for;
using ops_detail::kThreads;
using ops_detail::kWarps;
using ops_detail::rn_mul;

constexpr int64_t kBlockPerRowCols = 2048;  // from this width on, a whole block takes one row

// Calls f(j, a[j]) for the elements of the row owned by `lane` (of TPR lanes): quads
// lane, lane + TPR, ..., each as one float4 when vec and the quad is complete.
template <int TPR, class F>
__device__ __forceinline__ void walk_row(const float* __restrict__ a, int64_t cols, int lane,
                                         bool vec, F&& f) {
  const int64_t nq = (cols + 3) / 4;
  for (int64_t q = lane; q < nq; q += TPR) {
    const int64_t j = 4 * q;
    if (vec && j + 4 <= cols) {
      const float4 v = *reinterpret_cast<const float4*>(a + j);
      f(j, v.x);
      f(j + 1, v.y);
      f(j + 2, v.z);
      f(j + 3, v.w);
    } else {
      const int64_t e = j + 4 < cols ? j + 4 : cols;
      for (int64_t k = j; k < e; ++k) f(k, a[k]);
    }
  }
}

// out[j] = f(j, a[j], b[j]) (b[j] = 0 when !HasB) over the lane's quads, float4 stores when vec.
template <int TPR, bool HasB, class F>
__device__ __forceinline__ void map_row(const float* __restrict__ a, const float* __restrict__ b,
                                        float* __restrict__ out, int64_t cols, int lane, bool vec,
                                        F&& f) {
  const int64_t nq = (cols + 3) / 4;
  for (int64_t q = lane; q < nq; q += TPR) {
    const int64_t j = 4 * q;
    if (vec && j + 4 <= cols) {
      const float4 va = *reinterpret_cast<const float4*>(a + j);
      float4 vb = make_float4(0.f, 0.f, 0.f, 0.f);
      if constexpr (HasB) vb = *reinterpret_cast<const float4*>(b + j);
      *reinterpret_cast<float4*>(out + j) = make_float4(f(j, va.x, vb.x), f(j + 1, va.y, vb.y),
                                                        f(j + 2, va.z, vb.z), f(j + 3, va.w, vb.w));
    } else {
      const int64_t e = j + 4 < cols ? j + 4 : cols;
      for (int64_t k = j; k < e; ++k) out[k] = f(k, a[k], HasB ? b[k] : 0.0f);
    }
  }
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Max / double sum over the TPR lanes that share a row; every lane gets the result. With
// TPR == kThreads every thread of the block must call (the row loop is uniform over the block).
template <int TPR>
__device__ __forceinline__ float group_max(float v) {
  if constexpr (TPR == 32) {
    return warp_max(v);
  } else {
    __shared__ float smem[kWarps];
    v = warp_max(v);
    if ((threadIdx.x & 31) == 0) smem[threadIdx.x >> 5] = v;
    __syncthreads();
    float t = smem[0];
#pragma unroll
    for (int w = 1; w < kWarps; ++w) t = fmaxf(t, smem[w]);
    __syncthreads();  // smem is reused by the next row
    return t;
  }
}

template <int TPR>
__device__ __forceinline__ double group_sum(double v) {
  if constexpr (TPR == 32) {
    return ops_detail::warp_sum(v);
  } else {
    __shared__ double smem[kWarps];
    return ops_detail::block_sum(v, smem);
  }
}

// {m, s} of one row: m = max (NaNs skipped, as fmaxf), s = sum expf(z - m) in double.
template <int TPR>
__device__ __forceinline__ void row_stats(const float* __restrict__ zr, int64_t cols, int lane,
                                          bool vec, float* m_out, double* s_out) {
  float m = -INFINITY;
  walk_row<TPR>(zr, cols, lane, vec, [&](int64_t, float v) { m = fmaxf(m, v); });
  m = group_max<TPR>(m);
  double s = 0.0;
  walk_row<TPR>(zr, cols, lane, vec,
                [&](int64_t, float v) { s += static_cast<double>(expf(v - m)); });
  *m_out = m;
  *s_out = group_sum<TPR>(s);
}

// CE: loss_row and stats; !CE: y = softmax(z).
template <int TPR, bool CE>
__global__ void __launch_bounds__(kThreads)
    softmax_forward_kernel(const float* __restrict__ z, const int32_t* __restrict__ labels,
                           float* __restrict__ loss_row, float* __restrict__ stats,
                           float* __restrict__ y, int64_t rows, int64_t cols, bool vec) {
  static_assert(TPR == 32 || TPR == kThreads, "a warp or a block per row");
  constexpr int kGroups = kThreads / TPR;
  const int lane = static_cast<int>(threadIdx.x) % TPR;
  const int grp = static_cast<int>(threadIdx.x) / TPR;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kGroups + grp; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kGroups) {
    const float* zr = z + r * cols;
    float m;
    double s;
    row_stats<TPR>(zr, cols, lane, vec, &m, &s);
    if constexpr (CE) {
      if (lane == 0) {
        stats[2 * r] = m;
        stats[2 * r + 1] = static_cast<float>(s);
        const double zl = static_cast<double>(zr[labels[r]]);
        loss_row[r] = static_cast<float>((static_cast<double>(m) - zl) + log(s));
      }
    } else {
      const float inv = 1.0f / static_cast<float>(s);
      map_row<TPR, false>(zr, nullptr, y + r * cols, cols, lane, vec,
                          [&](int64_t, float v, float) { return rn_mul(expf(v - m), inv); });
    }
  }
}

template <int TPR>
__global__ void __launch_bounds__(kThreads)
    softmax_ce_backward_kernel(const float* __restrict__ z, const int32_t* __restrict__ labels,
                               const float* __restrict__ stats, const float* __restrict__ g_dev,
                               float* __restrict__ dz, int64_t rows, int64_t cols, bool vec) {
  constexpr int kGroups = kThreads / TPR;
  const int lane = static_cast<int>(threadIdx.x) % TPR;
  const int grp = static_cast<int>(threadIdx.x) / TPR;
  const float scale = *g_dev / static_cast<float>(rows);
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kGroups + grp; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kGroups) {
    const float m = stats[2 * r];
    const float inv = 1.0f / stats[2 * r + 1];
    const int64_t l = labels[r];
    map_row<TPR, false>(z + r * cols, nullptr, dz + r * cols, cols, lane, vec,
                        [&](int64_t j, float v, float) {
                          const float p = rn_mul(expf(v - m), inv);
                          return rn_mul(scale, j == l ? p - 1.0f : p);
                        });
  }
}

template <int TPR>
__global__ void __launch_bounds__(kThreads)
    softmax_backward_kernel(const float* __restrict__ y, const float* __restrict__ g,
                            float* __restrict__ dz, int64_t rows, int64_t cols, bool vec) {
  constexpr int kGroups = kThreads / TPR;
  const int lane = static_cast<int>(threadIdx.x) % TPR;
  const int grp = static_cast<int>(threadIdx.x) / TPR;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kGroups + grp; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kGroups) {
    const float* yr = y + r * cols;
    const float* gr = g + r * cols;
    double dot = 0.0;
    walk_row<TPR>(yr, cols, lane, vec, [&](int64_t j, float v) {
      dot += static_cast<double>(gr[j]) * static_cast<double>(v);
    });
    const float d = static_cast<float>(group_sum<TPR>(dot));
    map_row<TPR, true>(yr, gr, dz + r * cols, cols, lane, vec,
                       [&](int64_t, float yv, float gv) { return rn_mul(yv, gv - d); });
  }
}

// (a, ia) beats (b, ib): a valid index beats none (-1), NaN beats numbers, larger beats smaller,
// the lower index breaks ties. A total order, so the shuffle tree and the CPU scan agree.
__device__ __forceinline__ bool better(float a, int ia, float b, int ib) {
  if (ib < 0) return ia >= 0;
  if (ia < 0) return false;
  const bool na = isnan(a), nb = isnan(b);
  if (na != nb) return na;
  if (!na && a != b) return a > b;
  return ia < ib;
}

template <int TPR>
__global__ void __launch_bounds__(kThreads)
    argmax_rows_kernel(const float* __restrict__ x, int32_t* __restrict__ idx, int64_t rows,
                       int64_t cols, bool vec) {
  constexpr int kGroups = kThreads / TPR;
  const int lane = static_cast<int>(threadIdx.x) % TPR;
  const int grp = static_cast<int>(threadIdx.x) / TPR;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kGroups + grp; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kGroups) {
    float bv = 0.0f;
    int bi = -1;
    walk_row<TPR>(x + r * cols, cols, lane, vec, [&](int64_t j, float v) {
      if (better(v, static_cast<int>(j), bv, bi)) bv = v, bi = static_cast<int>(j);
    });
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
      const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
      if (better(ov, oi, bv, bi)) bv = ov, bi = oi;
    }
    if constexpr (TPR != 32) {
      __shared__ float sv[kWarps];
      __shared__ int si[kWarps];
      if ((threadIdx.x & 31) == 0) sv[threadIdx.x >> 5] = bv, si[threadIdx.x >> 5] = bi;
      __syncthreads();
      for (int w = 0; w < kWarps; ++w)
        if (better(sv[w], si[w], bv, bi)) bv = sv[w], bi = si[w];
      __syncthreads();
    }
    if (lane == 0) idx[r] = bi;
  }
}

bool block_per_row(int64_t cols) { return cols >= kBlockPerRowCols; }

}  // namespace

void softmax_ce_forward(const float* z, const int32_t* labels, float* loss_row, float* stats,
                        int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const bool vec = cols % 4 == 0 && aligned16(z);
  if (block_per_row(cols))
    softmax_forward_kernel<kThreads, true><<<blocks_for(rows, 1), kThreads, 0, stream>>>(
        z, labels, loss_row, stats, nullptr, rows, cols, vec);
  else
    softmax_forward_kernel<32, true><<<blocks_for(rows, kWarps), kThreads, 0, stream>>>(
        z, labels, loss_row, stats, nullptr, rows, cols, vec);
  HG_CUDA_CHECK_LAUNCH();
}

void softmax_ce_backward(const float* z, const int32_t* labels, const float* stats,
                         const float* g_dev, float* dz, int64_t rows, int64_t cols,
                         cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const bool vec = cols % 4 == 0 && aligned16(z) && aligned16(dz);
  if (block_per_row(cols))
    softmax_ce_backward_kernel<kThreads><<<blocks_for(rows, 1), kThreads, 0, stream>>>(
        z, labels, stats, g_dev, dz, rows, cols, vec);
  else
    softmax_ce_backward_kernel<32><<<blocks_for(rows, kWarps), kThreads, 0, stream>>>(
        z, labels, stats, g_dev, dz, rows, cols, vec);
  HG_CUDA_CHECK_LAUNCH();
}

void softmax_rows(const float* z, float* y, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const bool vec = cols % 4 == 0 && aligned16(z) && aligned16(y);
  if (block_per_row(cols))
    softmax_forward_kernel<kThreads, false><<<blocks_for(rows, 1), kThreads, 0, stream>>>(
        z, nullptr, nullptr, nullptr, y, rows, cols, vec);
  else
    softmax_forward_kernel<32, false><<<blocks_for(rows, kWarps), kThreads, 0, stream>>>(
        z, nullptr, nullptr, nullptr, y, rows, cols, vec);
  HG_CUDA_CHECK_LAUNCH();
}

void softmax_rows_backward(const float* y, const float* g, float* dz, int64_t rows, int64_t cols,
                           cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const bool vec = cols % 4 == 0 && aligned16(y) && aligned16(g) && aligned16(dz);
  if (block_per_row(cols))
    softmax_backward_kernel<kThreads>
        <<<blocks_for(rows, 1), kThreads, 0, stream>>>(y, g, dz, rows, cols, vec);
  else
    softmax_backward_kernel<32>
        <<<blocks_for(rows, kWarps), kThreads, 0, stream>>>(y, g, dz, rows, cols, vec);
  HG_CUDA_CHECK_LAUNCH();
}

void argmax_rows(const float* x, int32_t* idx, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const bool vec = cols % 4 == 0 && aligned16(x);
  if (block_per_row(cols))
    argmax_rows_kernel<kThreads>
        <<<blocks_for(rows, 1), kThreads, 0, stream>>>(x, idx, rows, cols, vec);
  else
    argmax_rows_kernel<32>
        <<<blocks_for(rows, kWarps), kThreads, 0, stream>>>(x, idx, rows, cols, vec);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
