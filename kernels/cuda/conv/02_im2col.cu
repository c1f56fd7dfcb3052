// Conv 02 — im2col + GEMM: turn the convolution into one matrix product per chunk of images.
//
// Idea: unfold ("im2col") the input patches of a chunk of nb images and one channel group into a
//   matrix cols [C/G*R*S, nb*P*Q] whose column (n, p, q) holds the C/G*R*S input values that
//   output position reads (zeros for padding). Then each pass is a GEMM from kernels/cuda/gemm
//   (the default kernel, $HG_GEMM to change it):
//     forward          Yc[K/G, nb*PQ]     = W_g[K/G, CRS] * cols[CRS, nb*PQ]
//                      then a scatter kernel writes y[n, g*K/G + k, pq] = act(Yc[k, n*PQ + pq]
//                      + bias) — the GEMM's fused bias is per COLUMN, a conv bias is per row.
//     backward-data    dcols[CRS, nb*PQ]  = W_g^T * dYc, where dYc[K/G, nb*PQ] is dy gathered
//                      into the same layout; then col2im in GATHER form (one thread per dx
//                      element sums the dcols entries that came from it; no atomics).
//     backward-weight  dW_g[K/G, CRS]    += dYc * cols^T, one GEMM per chunk with beta = 1 after
//                      the first (beta = 0 first, so dw is write-only).
//   Chunking the batch (nb images per GEMM, as many as fit a 64 MiB scratch budget) turns the
//   N*G small products of the per-image formulation into a few big ones: for the autoencoder's
//   layers at batch 256 that is one GEMM per pass.
// Bytes and FLOPs per output (forward): the GEMM does 2*CRS FLOPs per output like every algo,
//   but the patch matrix costs CRS*4 bytes written and read again per output position (R*S/
//   (sh*sw) times the input's size: 9/4 for a 3x3 stride-2 layer, 9x for stride 1) plus the
//   scatter's 8 bytes per output.
// Limit: the extra memory traffic and launches around the GEMM; the GEMM itself runs at whatever
//   the chosen kernel reaches on a K = CRS reduction (9 for the first autoencoder layer: far too
//   short to amortise its tile loads, so that layer is bandwidth-bound).
// Measured (H200, 2026-11-30, bench_conv_cuda, N=256, vs cuDNN restricted to fp32 FMA algorithms):
//   forward 2.0x / 1.44x cuDNN on the two autoencoder layers, backward-data 0.55x / 0.60x,
//   backward-weight 0.02x / 0.10x (the per-image weight-gradient GEMMs are tiny).
#include <algorithm>

#include "kernels/cuda/conv/conv_detail.h"
#include "kernels/cuda/gemm/epilogue.cuh"
#include "kernels/cuda/gemm/gemm.h"
#include "kernels/cuda/ops/common.cuh"
#include "kernels/cuda/runtime/check.h"

namespace hg::kernels::cuda::conv_detail {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kScratchBudget = int64_t(64) << 20;  // bytes of im2col scratch per call

int blocks_for(int64_t n) { return ::hg::kernels::blocks_for(n, kThreads, 65536); }

#define HG_GRID_STRIDE(i, total)                                                \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (total); \
       i += int64_t(gridDim.x) * blockDim.x)

// cols[row, col], row = (c*R + r)*S + s over the group's channels, col = nl*PQ + p*Q + q over the
// chunk's images n0 .. n0+nb-1. Consecutive threads write consecutive columns.
__global__ void __launch_bounds__(kThreads)
    im2col_kernel(Geom g, const float* __restrict__ x, int n0, int nb, int grp,
                  float* __restrict__ cols) {
  const int64_t ncol = int64_t(nb) * g.PQ;
  HG_GRID_STRIDE(i, int64_t(g.CRS) * ncol) {
    const int row = int(i / ncol);
    const int col = int(i - int64_t(row) * ncol);
    const int nl = col / g.PQ, pq = col - nl * g.PQ;
    const int p = pq / g.Q, q = pq - p * g.Q;
    const int c = row / g.RS, rs = row - c * g.RS;
    const int r = rs / g.S, s = rs - r * g.S;
    const int ih = p * g.sh - g.ph + r * g.dh;
    const int iw = q * g.sw - g.pw + s * g.dw;
    float v = 0.0f;
    if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
      v = x[(int64_t(n0 + nl) * g.C + grp * g.Cg + c) * g.HW + ih * g.W + iw];
    cols[i] = v;
  }
}

// y[n0+nl, grp*Kg + k, pq] = act(yc[k, nl*PQ + pq] + bias[grp*Kg + k]).
__global__ void __launch_bounds__(kThreads)
    scatter_y_kernel(Geom g, const float* __restrict__ yc, int n0, int nb, int grp,
                     const float* __restrict__ bias, Act act, float alpha, float* __restrict__ y) {
  const int64_t ncol = int64_t(nb) * g.PQ;
  HG_GRID_STRIDE(i, int64_t(g.Kg) * ncol) {
    const int k = int(i / ncol);
    const int col = int(i - int64_t(k) * ncol);
    const int nl = col / g.PQ, pq = col - nl * g.PQ;
    const int ko = grp * g.Kg + k;
    float v = yc[i];
    if (bias) v += bias[ko];
    y[(int64_t(n0 + nl) * g.K + ko) * g.PQ + pq] = actfn::apply(act, v, alpha);
  }
}

// dyc[k, nl*PQ + pq] = dy[n0+nl, grp*Kg + k, pq] (the inverse of the scatter, without epilogue).
__global__ void __launch_bounds__(kThreads)
    gather_dy_kernel(Geom g, const float* __restrict__ dy, int n0, int nb, int grp,
                     float* __restrict__ dyc) {
  const int64_t ncol = int64_t(nb) * g.PQ;
  HG_GRID_STRIDE(i, int64_t(g.Kg) * ncol) {
    const int k = int(i / ncol);
    const int col = int(i - int64_t(k) * ncol);
    const int nl = col / g.PQ, pq = col - nl * g.PQ;
    dyc[i] = dy[(int64_t(n0 + nl) * g.K + grp * g.Kg + k) * g.PQ + pq];
  }
}

// col2im, gather form: one thread per dx[n0+nl, grp*Cg + c, h, w] of the chunk and group sums
// dcols[(c*R + r)*S + s, nl*PQ + p*Q + q] over the taps (r, s) whose output (p, q) read it.
__global__ void __launch_bounds__(kThreads)
    col2im_kernel(Geom g, const float* __restrict__ dcols, int n0, int nb, int grp,
                  float* __restrict__ dx) {
  const int64_t ncol = int64_t(nb) * g.PQ;
  HG_GRID_STRIDE(i, int64_t(nb) * g.Cg * g.HW) {
    const int hw = int(i % g.HW);
    const int c = int((i / g.HW) % g.Cg);
    const int nl = int(i / (int64_t(g.HW) * g.Cg));
    const int ih = hw / g.W, iw = hw - ih * g.W;
    float acc = 0.0f;
    for (int r = 0; r < g.R; ++r) {
      const int th = ih + g.ph - r * g.dh;
      if (th < 0 || th % g.sh != 0) continue;
      const int p = th / g.sh;
      if (p >= g.P) continue;
      for (int s = 0; s < g.S; ++s) {
        const int tw = iw + g.pw - s * g.dw;
        if (tw < 0 || tw % g.sw != 0) continue;
        const int q = tw / g.sw;
        if (q >= g.Q) continue;
        const int row = (c * g.R + r) * g.S + s;
        acc += dcols[int64_t(row) * ncol + int64_t(nl) * g.PQ + p * g.Q + q];
      }
    }
    dx[(int64_t(n0 + nl) * g.C + grp * g.Cg + c) * g.HW + hw] = acc;
  }
}

#undef HG_GRID_STRIDE

// Images per chunk: as many as keep (rows_a + rows_b) * nb * PQ floats within the budget.
int chunk_images(const Geom& g, int64_t rows) {
  const int64_t per_image = rows * g.PQ * int64_t(sizeof(float));
  int64_t nb = per_image > 0 ? kScratchBudget / per_image : g.N;
  return int(std::clamp<int64_t>(nb, 1, g.N));
}

}  // namespace

void im2col_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act, float alpha, cudaStream_t stream) {
  const Geom g = make_geom(s);
  const int nbmax = chunk_images(g, int64_t(g.CRS) + g.Kg);
  ops_detail::StreamScratch scratch(size_t(g.CRS + g.Kg) * nbmax * g.PQ * sizeof(float), stream);
  float* cols = scratch.as<float>();
  float* yc = cols + int64_t(g.CRS) * nbmax * g.PQ;
  for (int n0 = 0; n0 < g.N; n0 += nbmax) {
    const int nb = std::min(nbmax, g.N - n0);
    const int64_t ncol = int64_t(nb) * g.PQ;
    for (int grp = 0; grp < g.G; ++grp) {
      im2col_kernel<<<blocks_for(g.CRS * ncol), kThreads, 0, stream>>>(g, x, n0, nb, grp, cols);
      HG_CUDA_CHECK_LAUNCH();
      gemm("", Trans::N, Trans::N, g.Kg, ncol, g.CRS, 1.0f, w + int64_t(grp) * g.Kg * g.CRS, g.CRS,
           cols, ncol, 0.0f, yc, ncol, {}, stream);
      scatter_y_kernel<<<blocks_for(g.Kg * ncol), kThreads, 0, stream>>>(g, yc, n0, nb, grp, bias,
                                                                         act, alpha, y);
      HG_CUDA_CHECK_LAUNCH();
    }
  }
}

void im2col_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx,
                          cudaStream_t stream) {
  const Geom g = make_geom(s);
  const int nbmax = chunk_images(g, int64_t(g.CRS) + g.Kg);
  ops_detail::StreamScratch scratch(size_t(g.CRS + g.Kg) * nbmax * g.PQ * sizeof(float), stream);
  float* dcols = scratch.as<float>();
  float* dyc = dcols + int64_t(g.CRS) * nbmax * g.PQ;
  for (int n0 = 0; n0 < g.N; n0 += nbmax) {
    const int nb = std::min(nbmax, g.N - n0);
    const int64_t ncol = int64_t(nb) * g.PQ;
    for (int grp = 0; grp < g.G; ++grp) {
      gather_dy_kernel<<<blocks_for(g.Kg * ncol), kThreads, 0, stream>>>(g, dy, n0, nb, grp, dyc);
      HG_CUDA_CHECK_LAUNCH();
      // W_g is stored [K/G, CRS]; op(A) = W_g^T is [CRS, K/G].
      gemm("", Trans::T, Trans::N, g.CRS, ncol, g.Kg, 1.0f, w + int64_t(grp) * g.Kg * g.CRS, g.CRS,
           dyc, ncol, 0.0f, dcols, ncol, {}, stream);
      col2im_kernel<<<blocks_for(int64_t(nb) * g.Cg * g.HW), kThreads, 0, stream>>>(g, dcols, n0,
                                                                                    nb, grp, dx);
      HG_CUDA_CHECK_LAUNCH();
    }
  }
}

void im2col_backward_weight(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias, cudaStream_t stream) {
  const Geom g = make_geom(s);
  const int nbmax = chunk_images(g, int64_t(g.CRS) + g.Kg);
  ops_detail::StreamScratch scratch(size_t(g.CRS + g.Kg) * nbmax * g.PQ * sizeof(float), stream);
  float* cols = scratch.as<float>();
  float* dyc = cols + int64_t(g.CRS) * nbmax * g.PQ;
  for (int n0 = 0; n0 < g.N; n0 += nbmax) {
    const int nb = std::min(nbmax, g.N - n0);
    const int64_t ncol = int64_t(nb) * g.PQ;
    const float beta = n0 == 0 ? 0.0f : 1.0f;  // first chunk overwrites dw, later ones add
    for (int grp = 0; grp < g.G; ++grp) {
      im2col_kernel<<<blocks_for(g.CRS * ncol), kThreads, 0, stream>>>(g, x, n0, nb, grp, cols);
      HG_CUDA_CHECK_LAUNCH();
      gather_dy_kernel<<<blocks_for(g.Kg * ncol), kThreads, 0, stream>>>(g, dy, n0, nb, grp, dyc);
      HG_CUDA_CHECK_LAUNCH();
      // cols is stored [CRS, ncol]; op(B) = cols^T is [ncol, CRS].
      gemm("", Trans::N, Trans::T, g.Kg, g.CRS, ncol, 1.0f, dyc, ncol, cols, ncol, beta,
           dw + int64_t(grp) * g.Kg * g.CRS, g.CRS, {}, stream);
    }
  }
  launch_dbias(dy, s.N, s.K, s.out_h() * s.out_w(), dbias, stream);
}

}  // namespace hg::kernels::cuda::conv_detail
