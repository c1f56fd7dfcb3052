// Conv 01 — direct: the definition of a convolution, one thread per element of the result.
//
// Idea: each pass is a sum over filter taps, written as plainly as possible.
//   forward          one thread per y[n, k, p, q]: sum over c < C/G, r < R, s < S of
//                    x[n, g*C/G + c, p*sh - ph + r*dh, q*sw - pw + s*dw] * w[k, c, r, s]
//                    (taps that fall in the padding are skipped), then + bias[k], act.
//   backward-data    one thread per dx[n, c, h, w] (the gather form, no atomics): the output
//                    positions that read x[h, w] through tap (r, s) satisfy p*sh = h + ph - r*dh,
//                    so for every k of the group and every tap we test divisibility and range and
//                    add dy[n, k, p, q] * w[k, c, r, s]. Each dx element is written exactly once.
//   backward-weight  one 256-thread block per weight w[k, c, r, s]: the block strides over the
//                    N*P*Q (n, p, q) positions, multiplies x by dy and reduces with warp shuffles
//                    and shared memory. dbias is its own small kernel (conv_epilogue.cu).
// Bytes and FLOPs per output (forward): 2*C/G*R*S FLOPs and the same number of 4-byte loads
//   (C/G*R*S of x, C/G*R*S of w), i.e. 0.5 FLOP per byte requested. The caches serve most of it
//   (neighbouring threads read overlapping windows and the same filter), but the arithmetic
//   intensity seen by L1 stays at that level.
// Limit: load-issue / L1 bound, far below the FMA peak; no data reuse in registers or shared
//   memory. backward-weight launches only K*C/G*R*S blocks (e.g. 288 for the first autoencoder
//   layer), each reducing N*P*Q products: fine for large batches, poor for tiny ones.
// Measured (H200, 2026-11-30, bench_conv_cuda, N=256, vs cuDNN restricted to fp32 FMA algorithms):
//   forward 4.2x cuDNN on 1->32 @28x28, 0.88x on 32->64 @14x14; backward-data 0.34x / 0.05x,
//   backward-weight 0.90x / 0.18x (see docs/kernels.md).
#include "kernels/cuda/conv/conv_detail.h"
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::conv_detail {
namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t n) { return ::hg::kernels::blocks_for(n, kThreads, 65536); }

__global__ void __launch_bounds__(kThreads)
    direct_fwd_kernel(Geom g, const float* __restrict__ x, const float* __restrict__ w,
                      const float* __restrict__ bias, float* __restrict__ y, Act act, float alpha) {
  const int64_t total = int64_t(g.N) * g.K * g.PQ;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int q = int(i % g.Q);
    const int p = int((i / g.Q) % g.P);
    const int k = int((i / g.PQ) % g.K);
    const int n = int(i / (int64_t(g.PQ) * g.K));
    const int grp = k / g.Kg;
    const float* xg = x + (int64_t(n) * g.C + int64_t(grp) * g.Cg) * g.HW;
    const float* wk = w + int64_t(k) * g.CRS;
    const int ih0 = p * g.sh - g.ph, iw0 = q * g.sw - g.pw;
    float acc = 0.0f;
    for (int c = 0; c < g.Cg; ++c) {
      const float* xc = xg + int64_t(c) * g.HW;
      const float* wc = wk + c * g.RS;
      for (int r = 0; r < g.R; ++r) {
        const int ih = ih0 + r * g.dh;
        if (ih < 0 || ih >= g.H) continue;
        for (int s = 0; s < g.S; ++s) {
          const int iw = iw0 + s * g.dw;
          if (iw < 0 || iw >= g.W) continue;
          acc += xc[ih * g.W + iw] * wc[r * g.S + s];
        }
      }
    }
    if (bias) acc += bias[k];
    y[i] = actfn::apply(act, acc, alpha);
  }
}

__global__ void __launch_bounds__(kThreads)
    direct_bwd_data_kernel(Geom g, const float* __restrict__ dy, const float* __restrict__ w,
                           float* __restrict__ dx) {
  const int64_t total = int64_t(g.N) * g.C * g.HW;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int iw = int(i % g.W);
    const int ih = int((i / g.W) % g.H);
    const int c = int((i / g.HW) % g.C);
    const int n = int(i / (int64_t(g.HW) * g.C));
    const int grp = c / g.Cg, cl = c - grp * g.Cg;
    float acc = 0.0f;
    for (int kl = 0; kl < g.Kg; ++kl) {
      const int k = grp * g.Kg + kl;
      const float* dyk = dy + (int64_t(n) * g.K + k) * g.PQ;
      const float* wk = w + int64_t(k) * g.CRS + cl * g.RS;
      for (int r = 0; r < g.R; ++r) {
        const int th = ih + g.ph - r * g.dh;  // = p * sh for the output row that uses this tap
        if (th < 0 || th % g.sh != 0) continue;
        const int p = th / g.sh;
        if (p >= g.P) continue;
        for (int s = 0; s < g.S; ++s) {
          const int tw = iw + g.pw - s * g.dw;
          if (tw < 0 || tw % g.sw != 0) continue;
          const int q = tw / g.sw;
          if (q >= g.Q) continue;
          acc += dyk[p * g.Q + q] * wk[r * g.S + s];
        }
      }
    }
    dx[i] = acc;
  }
}

// One block per weight element; blockIdx.x = flat index into w [K, C/G, R, S].
__global__ void __launch_bounds__(kThreads)
    direct_bwd_weight_kernel(Geom g, const float* __restrict__ x, const float* __restrict__ dy,
                             float* __restrict__ dw) {
  __shared__ float red[kThreads / 32];
  const int widx = blockIdx.x;
  const int s = widx % g.S;
  const int r = (widx / g.S) % g.R;
  const int cl = (widx / g.RS) % g.Cg;
  const int k = widx / g.CRS;
  const int grp = k / g.Kg;
  const int c = grp * g.Cg + cl;
  const int64_t count = int64_t(g.N) * g.PQ;
  float acc = 0.0f;
  for (int64_t j = threadIdx.x; j < count; j += kThreads) {
    const int n = int(j / g.PQ);
    const int pq = int(j - int64_t(n) * g.PQ);
    const int p = pq / g.Q, q = pq - (pq / g.Q) * g.Q;
    const int ih = p * g.sh - g.ph + r * g.dh;
    const int iw = q * g.sw - g.pw + s * g.dw;
    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
    acc +=
        x[(int64_t(n) * g.C + c) * g.HW + ih * g.W + iw] * dy[(int64_t(n) * g.K + k) * g.PQ + pq];
  }
  // Block reduction: warp shuffles, then the first warp sums the per-warp partials.
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    float t = 0.0f;
#pragma unroll
    for (int i = 0; i < kThreads / 32; ++i) t += red[i];
    dw[widx] = t;
  }
}

}  // namespace

void direct_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act, float alpha, cudaStream_t stream) {
  const Geom g = make_geom(s);
  direct_fwd_kernel<<<blocks_for(s.y_numel()), kThreads, 0, stream>>>(g, x, w, bias, y, act, alpha);
  HG_CUDA_CHECK_LAUNCH();
}

void direct_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx,
                          cudaStream_t stream) {
  const Geom g = make_geom(s);
  direct_bwd_data_kernel<<<blocks_for(s.x_numel()), kThreads, 0, stream>>>(g, dy, w, dx);
  HG_CUDA_CHECK_LAUNCH();
}

void direct_backward_weight(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias, cudaStream_t stream) {
  const Geom g = make_geom(s);
  // w_numel < 2^31 (checked by conv.cpp), within the grid's x limit.
  direct_bwd_weight_kernel<<<static_cast<unsigned>(s.w_numel()), kThreads, 0, stream>>>(g, x, dy,
                                                                                        dw);
  HG_CUDA_CHECK_LAUNCH();
  launch_dbias(dy, s.N, s.K, s.out_h() * s.out_w(), dbias, stream);
}

}  // namespace hg::kernels::cuda::conv_detail
