// Internal to kernels/cuda/conv: the launchers of each algo (one file each, in teaching order), the
// 32-bit geometry the device code indexes with, and the helpers the algos share (bias/activation
// epilogue, dbias). Host-only header.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common/activation.h"
#include "kernels/common/conv_shape.h"
#include "kernels/common/launch.h"

namespace hg::kernels::cuda::conv_detail {

// The shape with the derived sizes precomputed, in 32-bit ints (conv.cpp checks that every tensor
// has fewer than 2^31 elements before any launcher runs). Passed to kernels by value.
struct Geom {
  int N, C, H, W;  // input
  int K, R, S;     // output channels, filter
  int P, Q;        // output spatial size
  int sh, sw, ph, pw, dh, dw;
  int G, Cg, Kg;        // groups, channels per group in / out
  int HW, PQ, RS, CRS;  // H*W, P*Q, R*S, Cg*R*S (the GEMM reduction length of the forward pass)
};

inline Geom make_geom(const ConvShape& s) {
  Geom g{};
  g.N = int(s.N);
  g.C = int(s.C);
  g.H = int(s.H);
  g.W = int(s.W);
  g.K = int(s.K);
  g.R = int(s.R);
  g.S = int(s.S);
  g.P = int(s.out_h());
  g.Q = int(s.out_w());
  g.sh = int(s.stride_h);
  g.sw = int(s.stride_w);
  g.ph = int(s.pad_h);
  g.pw = int(s.pad_w);
  g.dh = int(s.dil_h);
  g.dw = int(s.dil_w);
  g.G = int(s.groups);
  g.Cg = int(s.C / s.groups);
  g.Kg = int(s.K / s.groups);
  g.HW = g.H * g.W;
  g.PQ = g.P * g.Q;
  g.RS = g.R * g.S;
  g.CRS = g.Cg * g.RS;
  return g;
}

using FwdFn = void (*)(const ConvShape&, const float* x, const float* w, const float* bias,
                       float* y, Act act, float alpha, cudaStream_t);
using BwdDataFn = void (*)(const ConvShape&, const float* dy, const float* w, float* dx,
                           cudaStream_t);
using BwdWeightFn = void (*)(const ConvShape&, const float* x, const float* dy, float* dw,
                             float* dbias, cudaStream_t);

// 01_direct.cu
void direct_forward(const ConvShape&, const float*, const float*, const float*, float*, Act, float,
                    cudaStream_t);
void direct_backward_data(const ConvShape&, const float*, const float*, float*, cudaStream_t);
void direct_backward_weight(const ConvShape&, const float*, const float*, float*, float*,
                            cudaStream_t);
// 02_im2col.cu
void im2col_forward(const ConvShape&, const float*, const float*, const float*, float*, Act, float,
                    cudaStream_t);
void im2col_backward_data(const ConvShape&, const float*, const float*, float*, cudaStream_t);
void im2col_backward_weight(const ConvShape&, const float*, const float*, float*, float*,
                            cudaStream_t);
// 03_implicit_gemm.cu
void implicit_forward(const ConvShape&, const float*, const float*, const float*, float*, Act,
                      float, cudaStream_t);
void implicit_backward_data(const ConvShape&, const float*, const float*, float*, cudaStream_t);
void implicit_backward_weight(const ConvShape&, const float*, const float*, float*, float*,
                              cudaStream_t);
#ifdef HG_HAVE_CUDNN
// 04_cudnn.cpp
void cudnn_forward(const ConvShape&, const float*, const float*, const float*, float*, Act, float,
                   cudaStream_t);
void cudnn_backward_data(const ConvShape&, const float*, const float*, float*, cudaStream_t);
void cudnn_backward_weight(const ConvShape&, const float*, const float*, float*, float*,
                           cudaStream_t);
#endif

// conv_epilogue.cu -------------------------------------------------------------------------------
// y[n, k, i] = act(y[n, k, i] + bias[k]) over y [N, K, PQ] in place; bias nullable. A no-op when
// there is neither a bias nor an activation.
void launch_bias_act(float* y, int64_t N, int64_t K, int64_t PQ, const float* bias, Act act,
                     float alpha, cudaStream_t s);
// dbias[k] = sum over n, i of dy[n, k, i] (dy [N, K, PQ]); one block per channel, a fixed-order
// tree, so the result is deterministic.
void launch_dbias(const float* dy, int64_t N, int64_t K, int64_t PQ, float* dbias, cudaStream_t s);

using ::hg::kernels::ceil_div;  // kernels/common/launch.h

}  // namespace hg::kernels::cuda::conv_detail
