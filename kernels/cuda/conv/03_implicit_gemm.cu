// Conv 03 — implicit GEMM: the im2col product without ever writing the patch matrix.
//
// Idea: every pass of a convolution is a GEMM C[M, Ncol] = A[M, Kred] * B[Kred, Ncol] in which
//   one operand is a "virtual" matrix whose entries are gathered from a tensor on the fly:
//     forward          M = K/G (out channels), Ncol = N*P*Q, Kred = C/G*R*S
//                      A = W_g (a plain row-major matrix), B[(c,r,s), (n,p,q)] = x[n, c, p*sh -
//                      ph + r*dh, q*sw - pw + s*dw] or 0 in the padding; store y = act(acc + b).
//     backward-data    M = C/G, Ncol = N*H*W, Kred = K/G*R*S — an implicit GEMM too:
//                      A[c, (k,r,s)] = w[k, c, r, s], B[(k,r,s), (n,h,w)] = dy[n, k, p, q] where
//                      p*sh = h + ph - r*dh (0 when not divisible or out of range).
//     backward-weight  M = K/G, Ncol = C/G*R*S, Kred = N*P*Q (long!), A[k, (n,p,q)] = dy,
//                      B[(n,p,q), (c,r,s)] = x at the tap; split-K: blockIdx.z also picks one of
//                      `splits` slices of the reduction, each slice writes its partial result to
//                      scratch, and a second kernel sums the slices in a fixed order
//                      (deterministic, no atomics).
//   One kernel template serves all three; a small "problem" struct supplies the gathers a(), b()
//   and the store. Channel group = blockIdx.z / splits.
// Tiling: 64x64 block tile, K-steps of 16, 256 threads each owning a 4x4 register tile at rows
//   ty + 16i and columns tx + 16j (strided, so shared reads are broadcast / conflict-free and
//   stores coalesce in runs of 16). Per K-step each thread gathers 4 A and 4 B values into shared
//   memory (the B column a thread loads is fixed for the whole loop, so its (n, p, q) decoding is
//   done once) and does 16*16 = 256 FMAs from 16*8 = 128 shared loads.
// Bytes and FLOPs per output (forward): 2*C/G*R*S FLOPs; global loads per output 4*CRS*(1/64 +
//   1/64) bytes = CRS/8, so 16 FLOP/byte against global memory (the x gathers mostly hit L1/L2,
//   since neighbouring columns read overlapping windows).
// Limit: the integer work of the gathers (2 divisions per B element per K-step), scalar shared
//   loads, no double buffering; short reductions (CRS = 9 in the first autoencoder layer) waste
//   7/16 of each K-step. Backward-data with stride s multiplies by zeros in (s^2-1)/s^2 of B
//   (cuDNN splits the problem into s^2 dense sub-convolutions instead).
// Measured (H200, 2026-11-30, bench_conv_cuda, N=256, vs cuDNN restricted to fp32 FMA algorithms):
//   forward 10x / 3.7x cuDNN on the two autoencoder layers (7.3 TFLOP/s on 32->64 @14x14),
//   backward-data 0.15x / 0.29x, backward-weight 0.69x / 1.07x.
#include <algorithm>
#include <string>

#include "kernels/common/error.h"
#include "kernels/cuda/conv/conv_detail.h"
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/ops/common.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::conv_detail {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16, kTM = 4, kTN = 4;
constexpr int kThreads = (kBM / kTM) * (kBN / kTN);  // 256
static_assert(kBM * kBK == 4 * kThreads && kBK * kBN == 4 * kThreads, "4 loads per thread");

// ---- the three problems ---------------------------------------------------------------------
struct FwdProblem {
  Geom g;
  const float* x;
  const float* w;
  const float* bias;
  float* y;
  Act act;
  float alpha;
  int M, Ncol, Kred;
  struct Col {
    const float* xb;  // image n, first channel of the group
    int ih0, iw0;     // top-left input position of output (p, q)
  };
  __device__ Col col(int grp, int col) const {
    const int n = col / g.PQ, pq = col - n * g.PQ;
    const int p = pq / g.Q, q = pq - p * g.Q;
    return {x + (int64_t(n) * g.C + int64_t(grp) * g.Cg) * g.HW, p * g.sh - g.ph, q * g.sw - g.pw};
  }
  __device__ float a(int grp, int m, int kk) const {
    return w[int64_t(grp * g.Kg + m) * g.CRS + kk];
  }
  __device__ float b(const Col& c, int kk) const {
    const int ch = kk / g.RS, rs = kk - ch * g.RS;
    const int r = rs / g.S, s = rs - r * g.S;
    const int ih = c.ih0 + r * g.dh, iw = c.iw0 + s * g.dw;
    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return 0.0f;
    return c.xb[int64_t(ch) * g.HW + ih * g.W + iw];
  }
  __device__ void store(int grp, int /*split*/, int m, int col, float acc) const {
    const int n = col / g.PQ, pq = col - n * g.PQ;
    const int k = grp * g.Kg + m;
    if (bias) acc += bias[k];
    y[(int64_t(n) * g.K + k) * g.PQ + pq] = actfn::apply(act, acc, alpha);
  }
};

struct BwdDataProblem {
  Geom g;
  const float* dy;
  const float* w;
  float* dx;
  int M, Ncol, Kred;
  struct Col {
    const float* dyb;  // image n, first output channel of the group
    int th0, tw0;      // h + ph, w + pw
  };
  __device__ Col col(int grp, int col) const {
    const int n = col / g.HW, hw = col - n * g.HW;
    const int h = hw / g.W, wi = hw - h * g.W;
    return {dy + (int64_t(n) * g.K + int64_t(grp) * g.Kg) * g.PQ, h + g.ph, wi + g.pw};
  }
  __device__ float a(int grp, int m, int kk) const {  // w[grp*Kg + kl, m, r, s]
    const int kl = kk / g.RS, rs = kk - kl * g.RS;
    return w[int64_t(grp * g.Kg + kl) * g.CRS + m * g.RS + rs];
  }
  __device__ float b(const Col& c, int kk) const {
    const int kl = kk / g.RS, rs = kk - kl * g.RS;
    const int r = rs / g.S, s = rs - r * g.S;
    const int th = c.th0 - r * g.dh, tw = c.tw0 - s * g.dw;
    if (th < 0 || tw < 0 || th % g.sh != 0 || tw % g.sw != 0) return 0.0f;
    const int p = th / g.sh, q = tw / g.sw;
    if (p >= g.P || q >= g.Q) return 0.0f;
    return c.dyb[int64_t(kl) * g.PQ + p * g.Q + q];
  }
  __device__ void store(int grp, int /*split*/, int m, int col, float acc) const {
    const int n = col / g.HW, hw = col - n * g.HW;
    dx[(int64_t(n) * g.C + grp * g.Cg + m) * g.HW + hw] = acc;
  }
};

struct BwdWeightProblem {
  Geom g;
  const float* x;
  const float* dy;
  float* out;         // dw itself (splits == 1) or the split-K partials [splits][w_numel]
  int64_t out_split;  // elements between two splits' partials
  int M, Ncol, Kred;
  struct Col {
    const float* xb;  // channel grp*Cg + c of image 0
    int roff, soff;   // r*dh - ph, s*dw - pw
  };
  __device__ Col col(int grp, int col) const {
    const int c = col / g.RS, rs = col - c * g.RS;
    const int r = rs / g.S, s = rs - r * g.S;
    return {x + int64_t(grp * g.Cg + c) * g.HW, r * g.dh - g.ph, s * g.dw - g.pw};
  }
  __device__ float a(int grp, int m, int kk) const {  // dy[n, grp*Kg + m, pq], kk = n*PQ + pq
    const int n = kk / g.PQ, pq = kk - n * g.PQ;
    return dy[(int64_t(n) * g.K + grp * g.Kg + m) * g.PQ + pq];
  }
  __device__ float b(const Col& c, int kk) const {
    const int n = kk / g.PQ, pq = kk - n * g.PQ;
    const int p = pq / g.Q, q = pq - p * g.Q;
    const int ih = p * g.sh + c.roff, iw = q * g.sw + c.soff;
    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return 0.0f;
    return c.xb[int64_t(n) * g.C * g.HW + ih * g.W + iw];
  }
  __device__ void store(int grp, int split, int m, int col, float acc) const {
    out[split * out_split + int64_t(grp * g.Kg + m) * g.CRS + col] = acc;
  }
};

// ---- the kernel -------------------------------------------------------------------------------
// grid (ceil(Ncol/64), ceil(M/64), groups * splits); slice `split` reduces kk in
// [split*kchunk, min(Kred, (split+1)*kchunk)).
template <class Prob>
__global__ void __launch_bounds__(kThreads) igemm_kernel(Prob pr, int splits, int kchunk) {
  __shared__ float As[kBK][kBM + 4];  // A tile stored k-major: As[kk][m] (padded: fewer conflicts)
  __shared__ float Bs[kBK][kBN];      // B tile: Bs[kk][n]
  const int tid = threadIdx.x;
  const int grp = blockIdx.z / splits, split = blockIdx.z - (blockIdx.z / splits) * splits;
  const int kbeg = split * kchunk;
  const int kend = min(pr.Kred, kbeg + kchunk);
  const int m0 = blockIdx.y * kBM, c0 = blockIdx.x * kBN;

  // B loader: this thread always loads column c0 + tid % 64, rows tid / 64 + 4i.
  const int bc = tid % kBN, br = tid / kBN;
  const bool bcol_ok = c0 + bc < pr.Ncol;
  typename Prob::Col ctx{};
  if (bcol_ok) ctx = pr.col(grp, c0 + bc);
  // A loader: k fastest (the A operands are contiguous along the reduction), rows tid / 16 + 16i.
  const int ak = tid % kBK, am = tid / kBK;

  const int ty = tid / (kBN / kTN), tx = tid % (kBN / kTN);
  float acc[kTM][kTN] = {};
  float ra[kTM], rb[kTN];

  for (int k0 = kbeg; k0 < kend; k0 += kBK) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int m = am + 16 * i;
      const int kk = k0 + ak;
      As[ak][m] = (m0 + m < pr.M && kk < kend) ? pr.a(grp, m0 + m, kk) : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int r = br + 4 * i;
      const int kk = k0 + r;
      Bs[r][bc] = (bcol_ok && kk < kend) ? pr.b(ctx, kk) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
#pragma unroll
      for (int i = 0; i < kTM; ++i) ra[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < kTN; ++j) rb[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) acc[i][j] += ra[i] * rb[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int m = m0 + ty + 16 * i;
    if (m >= pr.M) continue;
#pragma unroll
    for (int j = 0; j < kTN; ++j) {
      const int col = c0 + tx + 16 * j;
      if (col < pr.Ncol) pr.store(grp, split, m, col, acc[i][j]);
    }
  }
}

// dw[i] = sum over s < splits of partial[s * n + i], in order s = 0, 1, ... (deterministic).
__global__ void __launch_bounds__(256)
    splitk_reduce_kernel(const float* __restrict__ partial, int splits, int64_t n,
                         float* __restrict__ dw) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float t = 0.0f;
    for (int s = 0; s < splits; ++s) t += partial[s * n + i];
    dw[i] = t;
  }
}

template <class Prob>
void launch(const Prob& pr, int groups, int splits, int kchunk, cudaStream_t stream) {
  const int64_t gx = ceil_div(pr.Ncol, kBN), gy = ceil_div(pr.M, kBM);
  const int64_t gz = int64_t(groups) * splits;
  if (gx > 2147483647 || gy > 65535 || gz > 65535)
    throw Error("conv hg-implicit: grid " + std::to_string(gx) + " x " + std::to_string(gy) +
                " x " + std::to_string(gz) + " exceeds the CUDA limits");
  const dim3 grid{static_cast<unsigned>(gx), static_cast<unsigned>(gy), static_cast<unsigned>(gz)};
  igemm_kernel<Prob><<<grid, kThreads, 0, stream>>>(pr, splits, kchunk);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace

void implicit_forward(const ConvShape& s, const float* x, const float* w, const float* bias,
                      float* y, Act act, float alpha, cudaStream_t stream) {
  FwdProblem pr{};
  pr.g = make_geom(s);
  pr.x = x;
  pr.w = w;
  pr.bias = bias;
  pr.y = y;
  pr.act = act;
  pr.alpha = alpha;
  pr.M = pr.g.Kg;
  pr.Ncol = pr.g.N * pr.g.PQ;
  pr.Kred = pr.g.CRS;
  launch(pr, pr.g.G, 1, pr.Kred, stream);
}

void implicit_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx,
                            cudaStream_t stream) {
  BwdDataProblem pr{};
  pr.g = make_geom(s);
  pr.dy = dy;
  pr.w = w;
  pr.dx = dx;
  pr.M = pr.g.Cg;
  pr.Ncol = pr.g.N * pr.g.HW;
  pr.Kred = pr.g.Kg * pr.g.RS;
  launch(pr, pr.g.G, 1, pr.Kred, stream);
}

void implicit_backward_weight(const ConvShape& s, const float* x, const float* dy, float* dw,
                              float* dbias, cudaStream_t stream) {
  BwdWeightProblem pr{};
  pr.g = make_geom(s);
  pr.x = x;
  pr.dy = dy;
  pr.M = pr.g.Kg;
  pr.Ncol = pr.g.CRS;
  pr.Kred = pr.g.N * pr.g.PQ;
  // Split-K: aim for ~512 blocks in all, each slice at least 512 reduction steps long.
  const int64_t tiles = ceil_div(pr.M, kBM) * ceil_div(pr.Ncol, kBN) * pr.g.G;
  int64_t splits = std::min(ceil_div(512, tiles), ceil_div(pr.Kred, 512));
  splits = std::clamp<int64_t>(splits, 1, std::max<int64_t>(1, 65535 / pr.g.G));
  int64_t kchunk = ceil_div(ceil_div(pr.Kred, splits), kBK) * kBK;  // whole K-steps per slice
  splits = ceil_div(pr.Kred, kchunk);                               // no empty slice
  const int64_t wn = s.w_numel();
  if (splits == 1) {
    pr.out = dw;
    pr.out_split = 0;
    launch(pr, pr.g.G, 1, int(kchunk), stream);
  } else {
    ops_detail::StreamScratch partial(size_t(splits * wn) * sizeof(float), stream);
    pr.out = partial.as<float>();
    pr.out_split = wn;
    launch(pr, pr.g.G, int(splits), int(kchunk), stream);
    int64_t blocks = std::clamp<int64_t>(ceil_div(wn, 256), 1, 65536);
    splitk_reduce_kernel<<<unsigned(blocks), 256, 0, stream>>>(pr.out, int(splits), wn, dw);
    HG_CUDA_CHECK_LAUNCH();
  }
  launch_dbias(dy, s.N, s.K, s.out_h() * s.out_w(), dbias, stream);
}

}  // namespace hg::kernels::cuda::conv_detail
