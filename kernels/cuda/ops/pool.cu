// Max / average pooling and nearest upsampling, forward and backward (device twins of
// kernels/cpu/pool.h).
//
// Idea: one thread per element of the tensor being WRITTEN, always. Forward: one thread per
//   output reads its kh*kw window. Backward: one thread per input element GATHERS the gradients of
//   the output windows that contain it (p from ceil((h + ph - kh + 1)/sh) to floor((h + ph)/sh),
//   the same for q), so there are no atomics, every dx element is written exactly once (no
//   separate zeroing pass) and the summation order (p, then q, ascending) is the CPU's scatter
//   order: the same bits whenever the CPU accumulates in the same order.
//   Max pooling keeps the flat in-plane index h*W + w of the winner (argmax) for backward; the
//   first maximum in scan order wins, padding never wins, and a NaN wins over any number (the
//   first NaN in scan order), so NaN propagates.
// Bytes per output (forward): kh*kw*4 read (mostly cache hits: windows overlap or tile the
//   input), 4 written (+4 argmax). No arithmetic to speak of.
// Limit: memory bandwidth; the integer index decoding is the main instruction cost.
// Measured: not benchmarked yet; checked against the CPU path on an H200 (2026-11-30: GPU tests,
//   compute-sanitizer memcheck and racecheck clean).
#include "kernels/cuda/ops/pool.h"

#include "kernels/cuda/ops/common.cuh"

namespace hg::kernels::cuda {
namespace {

using ops_detail::global_thread;
using ops_detail::grid_threads;
using ops_detail::kThreads;

// Pool geometry in plain ints for the device (sizes are checked to fit on the host).
struct PoolGeom {
  int64_t planes;  // N*C
  int H, W, P, Q, kh, kw, sh, sw, ph, pw;
};

PoolGeom make_pool_geom(const PoolShape& s) {
  if (!s.valid()) throw Error("pool2d: invalid shape");
  if (s.H * s.W >= (int64_t(1) << 31) || s.out_h() * s.out_w() >= (int64_t(1) << 31))
    throw Error("pool2d: a plane has 2^31 or more elements");
  return {s.N * s.C, int(s.H),        int(s.W),        int(s.out_h()), int(s.out_w()), int(s.kh),
          int(s.kw), int(s.stride_h), int(s.stride_w), int(s.pad_h),   int(s.pad_w)};
}

// First output row whose window [o*st - pad, o*st - pad + k) contains position h, and the last.
__device__ __forceinline__ int first_window(int h, int k, int st, int pad) {
  const int t = h + pad - k;  // window o contains h  <=>  o*st > t  and  o*st <= h + pad
  return t < 0 ? 0 : t / st + 1;
}
__device__ __forceinline__ int last_window(int h, int st, int pad, int count) {
  const int o = (h + pad) / st;  // h + pad >= 0 always
  return o < count - 1 ? o : count - 1;
}

__global__ void maxpool_fwd_kernel(PoolGeom g, const float* __restrict__ x, float* __restrict__ y,
                                   int32_t* __restrict__ argmax) {
  const int64_t PQ = int64_t(g.P) * g.Q, total = g.planes * PQ;
  for (int64_t i = global_thread(); i < total; i += grid_threads()) {
    const int64_t plane = i / PQ;
    const int pq = int(i - plane * PQ);
    const int p = pq / g.Q, q = pq - p * g.Q;
    const float* xp = x + plane * g.H * g.W;
    const int h0 = p * g.sh - g.ph, w0 = q * g.sw - g.pw;
    float best = -INFINITY;
    int arg = -1;
    for (int r = 0; r < g.kh; ++r) {
      const int h = h0 + r;
      if (h < 0 || h >= g.H) continue;
      for (int s = 0; s < g.kw; ++s) {
        const int w = w0 + s;
        if (w < 0 || w >= g.W) continue;
        const float v = xp[h * g.W + w];
        if (arg < 0 || v > best || (isnan(v) && !isnan(best))) {
          best = v;
          arg = h * g.W + w;
        }
      }
    }
    y[i] = best;
    argmax[i] = arg;
  }
}

__global__ void maxpool_bwd_kernel(PoolGeom g, const float* __restrict__ dy,
                                   const int32_t* __restrict__ argmax, float* __restrict__ dx) {
  const int64_t HW = int64_t(g.H) * g.W, PQ = int64_t(g.P) * g.Q, total = g.planes * HW;
  for (int64_t i = global_thread(); i < total; i += grid_threads()) {
    const int64_t plane = i / HW;
    const int hw = int(i - plane * HW);
    const int h = hw / g.W, w = hw - h * g.W;
    const float* dyp = dy + plane * PQ;
    const int32_t* ap = argmax + plane * PQ;
    const int p1 = last_window(h, g.sh, g.ph, g.P), q1 = last_window(w, g.sw, g.pw, g.Q);
    float acc = 0.0f;
    for (int p = first_window(h, g.kh, g.sh, g.ph); p <= p1; ++p)
      for (int q = first_window(w, g.kw, g.sw, g.pw); q <= q1; ++q)
        if (ap[p * g.Q + q] == hw) acc += dyp[p * g.Q + q];
    dx[i] = acc;
  }
}

__global__ void avgpool_fwd_kernel(PoolGeom g, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t PQ = int64_t(g.P) * g.Q, total = g.planes * PQ;
  const float div = float(g.kh * g.kw);  // padding counts in the divisor
  for (int64_t i = global_thread(); i < total; i += grid_threads()) {
    const int64_t plane = i / PQ;
    const int pq = int(i - plane * PQ);
    const int p = pq / g.Q, q = pq - p * g.Q;
    const float* xp = x + plane * g.H * g.W;
    const int h0 = p * g.sh - g.ph, w0 = q * g.sw - g.pw;
    float acc = 0.0f;
    for (int r = 0; r < g.kh; ++r) {
      const int h = h0 + r;
      if (h < 0 || h >= g.H) continue;
      for (int s = 0; s < g.kw; ++s) {
        const int w = w0 + s;
        if (w >= 0 && w < g.W) acc += xp[h * g.W + w];
      }
    }
    y[i] = acc / div;
  }
}

__global__ void avgpool_bwd_kernel(PoolGeom g, const float* __restrict__ dy,
                                   float* __restrict__ dx) {
  const int64_t HW = int64_t(g.H) * g.W, PQ = int64_t(g.P) * g.Q, total = g.planes * HW;
  const float div = float(g.kh * g.kw);
  for (int64_t i = global_thread(); i < total; i += grid_threads()) {
    const int64_t plane = i / HW;
    const int hw = int(i - plane * HW);
    const int h = hw / g.W, w = hw - h * g.W;
    const float* dyp = dy + plane * PQ;
    const int p1 = last_window(h, g.sh, g.ph, g.P), q1 = last_window(w, g.sw, g.pw, g.Q);
    float acc = 0.0f;
    for (int p = first_window(h, g.kh, g.sh, g.ph); p <= p1; ++p)
      for (int q = first_window(w, g.kw, g.sw, g.pw); q <= q1; ++q) acc += dyp[p * g.Q + q] / div;
    dx[i] = acc;
  }
}

__global__ void upsample_fwd_kernel(const float* __restrict__ x, float* __restrict__ y,
                                    int64_t planes, int64_t H, int64_t W, int64_t fh, int64_t fw) {
  const int64_t OH = H * fh, OW = W * fw, total = planes * OH * OW;
  for (int64_t i = global_thread(); i < total; i += grid_threads()) {
    const int64_t oj = i % OW;
    const int64_t oi = (i / OW) % OH;
    const int64_t plane = i / (OW * OH);
    y[i] = x[(plane * H + oi / fh) * W + oj / fw];
  }
}

// dx[.., h, w] = sum over a < fh, b < fw of dy[.., h*fh + a, w*fw + b] (row by row, as the CPU
// scatter visits them).
__global__ void upsample_bwd_kernel(const float* __restrict__ dy, float* __restrict__ dx,
                                    int64_t planes, int64_t H, int64_t W, int64_t fh, int64_t fw) {
  const int64_t OW = W * fw, total = planes * H * W;
  for (int64_t i = global_thread(); i < total; i += grid_threads()) {
    const int64_t w = i % W;
    const int64_t h = (i / W) % H;
    const int64_t plane = i / (W * H);
    const float* row = dy + (plane * H * fh + h * fh) * OW + w * fw;
    float acc = 0.0f;
    for (int64_t a = 0; a < fh; ++a)
      for (int64_t b = 0; b < fw; ++b) acc += row[a * OW + b];
    dx[i] = acc;
  }
}

}  // namespace

void maxpool2d_forward(const PoolShape& s, const float* x, float* y, int32_t* argmax,
                       cudaStream_t stream) {
  const PoolGeom g = make_pool_geom(s);
  maxpool_fwd_kernel<<<ops_detail::blocks_for(s.y_numel()), kThreads, 0, stream>>>(g, x, y, argmax);
  HG_CUDA_CHECK_LAUNCH();
}

void maxpool2d_backward(const PoolShape& s, const float* dy, const int32_t* argmax, float* dx,
                        cudaStream_t stream) {
  const PoolGeom g = make_pool_geom(s);
  maxpool_bwd_kernel<<<ops_detail::blocks_for(s.x_numel()), kThreads, 0, stream>>>(g, dy, argmax,
                                                                                   dx);
  HG_CUDA_CHECK_LAUNCH();
}

void avgpool2d_forward(const PoolShape& s, const float* x, float* y, cudaStream_t stream) {
  const PoolGeom g = make_pool_geom(s);
  avgpool_fwd_kernel<<<ops_detail::blocks_for(s.y_numel()), kThreads, 0, stream>>>(g, x, y);
  HG_CUDA_CHECK_LAUNCH();
}

void avgpool2d_backward(const PoolShape& s, const float* dy, float* dx, cudaStream_t stream) {
  const PoolGeom g = make_pool_geom(s);
  avgpool_bwd_kernel<<<ops_detail::blocks_for(s.x_numel()), kThreads, 0, stream>>>(g, dy, dx);
  HG_CUDA_CHECK_LAUNCH();
}

void upsample_nearest2d_forward(const float* x, float* y, int64_t N, int64_t C, int64_t H,
                                int64_t W, int64_t fh, int64_t fw, cudaStream_t stream) {
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || fh <= 0 || fw <= 0)
    throw Error("upsample_nearest2d: sizes and factors must be positive");
  const int64_t total = N * C * H * fh * W * fw;
  upsample_fwd_kernel<<<ops_detail::blocks_for(total), kThreads, 0, stream>>>(x, y, N * C, H, W, fh,
                                                                              fw);
  HG_CUDA_CHECK_LAUNCH();
}

void upsample_nearest2d_backward(const float* dy, float* dx, int64_t N, int64_t C, int64_t H,
                                 int64_t W, int64_t fh, int64_t fw, cudaStream_t stream) {
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || fh <= 0 || fw <= 0)
    throw Error("upsample_nearest2d: sizes and factors must be positive");
  upsample_bwd_kernel<<<ops_detail::blocks_for(N * C * H * W), kThreads, 0, stream>>>(dy, dx, N * C,
                                                                                      H, W, fh, fw);
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::kernels::cuda
