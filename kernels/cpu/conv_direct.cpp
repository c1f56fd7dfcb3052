// Direct convolution: loops over the filter taps, no patch matrix, no GEMM.
//
// Idea. Pad each input image once and split its columns by phase (column index mod stride_w):
//   buf[c][h][phase][i] = x_padded[c][h][i * stride_w + phase].
// Then the input columns that filter tap (c, r, t) meets along an output row p,
// x_padded[c][p*sh + r*dh][q*sw + t*dw] for q = 0..Q-1, are ONE contiguous run of buf, whatever the
// stride. Every pass becomes a loop over taps j = (c, r, t) of 8-wide vector operations along q:
//   forward          y[k][p][q..q+8)     = sum_j  w[k][j] * tap_j[p][q..q+8)
//   backward-data    tap_j[p][q..q+8)   += sum_k  w[k][j] * dy[k][p][q..q+8)   (then un-pad dx)
//   backward-weight  dw[k][j]           += sum_p,q dy[k][p][q] * tap_j[p][q]
// Register blocking: forward keeps 6 output channels x 2 vectors (16 output pixels) in 12
// accumulators, so each tap costs 2 loads + 6 broadcasts for 12 FMAs; backward-data keeps 6 taps x
// 2 vectors; backward-weight 4 channels x 3 taps. The 2 vectors are two "positions" (an output row
// cut into 8-wide pieces, rows one after the other), so a 7-wide output still fills a vector; lanes
// beyond Q compute garbage that is never stored (forward), or meet zeros (dy is copied into rows
// padded with zeros, so backward passes add exactly nothing there).
//
// Cost per output element: 2*Cg*R*S FLOPs like im2col, but memory traffic is only the padded,
// phase-split copy of the input (about the input's size, not R*S/(sh*sw) times it) plus the
// weights, which are re-read from L1/L2 for every 16 output pixels. What limits it: broadcasts and
// loads (8 per 12 FMAs) rather than FMAs, so it cannot reach the GEMM micro-kernel's peak when
// Cg*R*S is large; it wins when Cg*R*S is small (the 9-tap first layer of a 1-channel image), where
// im2col + GEMM spends more time unfolding and packing than multiplying.
//
// Vector code: GCC/Clang vector extensions (8 floats); the per-image drivers are compiled twice,
// once for AVX2+FMA (picked at run time when the CPU has it) and once for the baseline ISA.
// Threads: over images, each worker with its own scratch; weight gradients per fixed batch chunk.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/conv_internal.h"
#include "kernels/cpu/gemm_internal.h"

#pragma GCC diagnostic ignored "-Wpsabi"  // vector types in always-inlined helpers only

namespace hg::kernels::cpu::conv_detail {

namespace {

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

#define HG_INL inline __attribute__((always_inline))
HG_INL v8 vload(const float* p) { return *reinterpret_cast<const v8u*>(p); }
HG_INL void vstore(float* p, v8 v) { *reinterpret_cast<v8u*>(p) = v; }
HG_INL v8 vzero() { return v8{0, 0, 0, 0, 0, 0, 0, 0}; }
HG_INL v8 vbroadcast(float a) { return v8{a, a, a, a, a, a, a, a}; }
HG_INL float vsum(v8 v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

constexpr int64_t V = 8;  // floats per vector

// The padded, phase-split layout of one image's channel group and the 8-wide output positions.
struct Geo {
  int64_t P, Q, Cg, Kg, CRS, H, W, ph, pw, sh, sw;
  int64_t Hp;                // padded rows
  int64_t L;                 // floats per (row, phase) run of buf
  int64_t QV;                // vectors per output row
  int64_t nvec;              // positions: P * QV
  int64_t buf;               // floats of buf: Cg * Hp * sw * L
  int64_t dstride;           // floats per channel of the zero-padded dy copy: (nvec + 1) * V
  std::vector<int64_t> tap;  // CRS offsets of tap j from a position's base

  explicit Geo(const ConvShape& s)
      : P(s.out_h()),
        Q(s.out_w()),
        Cg(s.c_per_group()),
        Kg(s.k_per_group()),
        CRS(s.c_per_group() * s.R * s.S),
        H(s.H),
        W(s.W),
        ph(s.pad_h),
        pw(s.pad_w),
        sh(s.stride_h),
        sw(s.stride_w) {
    Hp = H + 2 * ph;
    QV = (Q + V - 1) / V;
    nvec = P * QV;
    const int64_t Wp = W + 2 * pw;
    L = std::max((Wp + sw - 1) / sw, (s.S - 1) * s.dil_w / sw + QV * V);
    buf = Cg * Hp * sw * L;
    dstride = (nvec + 1) * V;  // one extra all-zero position per channel (odd position counts)
    tap.resize(static_cast<size_t>(CRS));
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t r = 0; r < s.R; ++r)
        for (int64_t t = 0; t < s.S; ++t) {
          const int64_t col = t * s.dil_w;
          tap[static_cast<size_t>((c * s.R + r) * s.S + t)] =
              ((c * Hp + r * s.dil_h) * sw + col % sw) * L + col / sw;
        }
  }
  // Offset in buf of position v's first column (output row p, columns [qv*8, qv*8 + 8)).
  int64_t base(int64_t v) const { return (v / QV) * sh * sw * L + (v % QV) * V; }
};

// Calls f(dst_index, src_index, count_or_stride...) for one input row: the phase runs of row h of
// channel c. Element w of the row goes to phase (w + pw) % sw at index (w + pw) / sw; walking each
// phase separately keeps divisions out of the per-element loop.
template <class F>
void for_each_phase_run(const Geo& g, int64_t c, int64_t h, F f) {
  for (int64_t ph = 0; ph < g.sw; ++ph) {
    const int64_t w0 = ((ph - g.pw) % g.sw + g.sw) % g.sw;  // first w with (w + pw) % sw == ph
    if (w0 >= g.W) continue;
    const int64_t count = (g.W - w0 + g.sw - 1) / g.sw;
    f(((c * g.Hp + h + g.ph) * g.sw + ph) * g.L + (w0 + g.pw) / g.sw, (c * g.H + h) * g.W + w0,
      count);
  }
}

// x [Cg, H, W] -> buf (zero padding).
void pack_input(const Geo& g, const float* x, float* buf) {
  std::memset(buf, 0, static_cast<size_t>(g.buf) * sizeof(float));
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t h = 0; h < g.H; ++h)
      for_each_phase_run(g, c, h, [&](int64_t dst, int64_t src, int64_t count) {
        float* d = buf + dst;
        const float* x0 = x + src;
        if (g.sw == 1) {
          std::memcpy(d, x0, static_cast<size_t>(count) * sizeof(float));
        } else {
          for (int64_t i = 0; i < count; ++i) d[i] = x0[i * g.sw];
        }
      });
}

// buf -> dx [Cg, H, W] (the padding is dropped).
void unpack_input(const Geo& g, const float* buf, float* dx) {
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t h = 0; h < g.H; ++h)
      for_each_phase_run(g, c, h, [&](int64_t src, int64_t dst, int64_t count) {
        const float* b = buf + src;
        float* d = dx + dst;
        if (g.sw == 1) {
          std::memcpy(d, b, static_cast<size_t>(count) * sizeof(float));
        } else {
          for (int64_t i = 0; i < count; ++i) d[i * g.sw] = b[i];
        }
      });
}

// dy [Kg, P, Q] -> dyp [Kg][nvec + 1][8], zero beyond Q and in the extra position.
void pack_dy(const Geo& g, const float* dy, float* dyp) {
  std::memset(dyp, 0, static_cast<size_t>(g.Kg * g.dstride) * sizeof(float));
  for (int64_t k = 0; k < g.Kg; ++k)
    for (int64_t p = 0; p < g.P; ++p)
      std::memcpy(dyp + k * g.dstride + p * g.QV * V, dy + (k * g.P + p) * g.Q,
                  static_cast<size_t>(g.Q) * sizeof(float));
}

// ---- forward -----------------------------------------------------------------------------------

// Adds the bias, applies ReLU / leaky ReLU in registers (fused_act) and writes the accumulators of
// position v (column u of acc) to y[k0.., p, q0..]. A vector that runs past the end of its output
// row is stored whole when the extra lanes still land inside the same output plane: they fall on
// later rows, which are written after this one (positions are processed in order), so only the
// plane's last row needs a partial store.
template <int KB>
HG_INL void store_outputs(const Geo& g, const v8 (&acc)[KB][2], int u, int64_t v, const float* bias,
                          int64_t k0, Act fused_act, float alpha, float* y) {
  const int64_t p = v / g.QV, q0 = (v % g.QV) * V, n = std::min(V, g.Q - q0);
  const bool whole = n == V || p * g.Q + q0 + V <= g.P * g.Q;
  for (int i = 0; i < KB; ++i) {
    v8 out = acc[i][u] + vbroadcast(bias ? bias[k0 + i] : 0.0f);
    if (fused_act == Act::ReLU) out = out > 0.0f ? out : vzero();
    if (fused_act == Act::LeakyReLU) out = out > 0.0f ? out : out * alpha;
    float* dst = y + ((k0 + i) * g.P + p) * g.Q + q0;
    if (whole) {
      vstore(dst, out);
    } else {
      alignas(32) float tmp[V];
      vstore(tmp, out);
      std::memcpy(dst, tmp, static_cast<size_t>(n) * sizeof(float));
    }
  }
}

// KB output channels x positions v0, v1. wT is [CRS][Kg] (this group), y is [Kg, P, Q].
template <int KB>
HG_INL void fwd_block(const Geo& g, const float* buf, const float* wT, const float* bias,
                      int64_t k0, int64_t v0, int64_t v1, Act fused_act, float alpha, float* y) {
  v8 acc[KB][2];
  for (int i = 0; i < KB; ++i) acc[i][0] = acc[i][1] = vzero();
  const float* b0 = buf + g.base(v0);
  const float* b1 = buf + g.base(v1);
  const int64_t* tap = g.tap.data();
  const float* wk = wT + k0;
  for (int64_t j = 0; j < g.CRS; ++j) {
    const v8 a0 = vload(b0 + tap[j]), a1 = vload(b1 + tap[j]);
    const float* wj = wk + j * g.Kg;
#pragma GCC unroll 8
    for (int i = 0; i < KB; ++i) {
      const v8 wv = vbroadcast(wj[i]);
      acc[i][0] += wv * a0;
      acc[i][1] += wv * a1;
    }
  }
  store_outputs<KB>(g, acc, 0, v0, bias, k0, fused_act, alpha, y);
  if (v1 != v0) store_outputs<KB>(g, acc, 1, v1, bias, k0, fused_act, alpha, y);
}

HG_INL void forward_image_impl(const Geo& g, const float* buf, const float* wT, const float* bias,
                               Act fused_act, float alpha, float* y) {
  constexpr int KB = 6;
  for (int64_t v0 = 0; v0 < g.nvec; v0 += 2) {
    const int64_t v1 = std::min(v0 + 1, g.nvec - 1);
    int64_t k0 = 0;
    for (; k0 + KB <= g.Kg; k0 += KB)
      fwd_block<KB>(g, buf, wT, bias, k0, v0, v1, fused_act, alpha, y);
    switch (g.Kg - k0) {
      case 5: fwd_block<5>(g, buf, wT, bias, k0, v0, v1, fused_act, alpha, y); break;
      case 4: fwd_block<4>(g, buf, wT, bias, k0, v0, v1, fused_act, alpha, y); break;
      case 3: fwd_block<3>(g, buf, wT, bias, k0, v0, v1, fused_act, alpha, y); break;
      case 2: fwd_block<2>(g, buf, wT, bias, k0, v0, v1, fused_act, alpha, y); break;
      case 1: fwd_block<1>(g, buf, wT, bias, k0, v0, v1, fused_act, alpha, y); break;
      default: break;
    }
  }
}

// ---- backward-data -----------------------------------------------------------------------------

// JB taps x positions v0, v1 (v1 may be the all-zero position nvec). w is [Kg][CRS] (this group).
template <int JB>
HG_INL void bwd_data_block(const Geo& g, const float* dyp, const float* w, int64_t j0, int64_t v0,
                           int64_t v1, float* buf) {
  v8 acc[JB][2];
  for (int i = 0; i < JB; ++i) acc[i][0] = acc[i][1] = vzero();
  for (int64_t k = 0; k < g.Kg; ++k) {
    const v8 d0 = vload(dyp + k * g.dstride + v0 * V), d1 = vload(dyp + k * g.dstride + v1 * V);
    const float* wk = w + k * g.CRS + j0;
#pragma GCC unroll 8
    for (int i = 0; i < JB; ++i) {
      const v8 wv = vbroadcast(wk[i]);
      acc[i][0] += wv * d0;
      acc[i][1] += wv * d1;
    }
  }
  // Taps may overlap in buf (and so may the two positions): one read-modify-write at a time.
  float* b0 = buf + g.base(v0);
  float* b1 = buf + g.base(v1 < g.nvec ? v1 : v0);
  for (int i = 0; i < JB; ++i) {
    float* p0 = b0 + g.tap[j0 + i];
    vstore(p0, vload(p0) + acc[i][0]);
    float* p1 = b1 + g.tap[j0 + i];
    vstore(p1, vload(p1) + acc[i][1]);
  }
}

HG_INL void backward_data_image_impl(const Geo& g, const float* dyp, const float* w, float* buf) {
  constexpr int JB = 6;
  for (int64_t v0 = 0; v0 < g.nvec; v0 += 2) {
    const int64_t v1 = v0 + 1;  // == nvec (all zeros) for an odd count
    int64_t j0 = 0;
    for (; j0 + JB <= g.CRS; j0 += JB) bwd_data_block<JB>(g, dyp, w, j0, v0, v1, buf);
    switch (g.CRS - j0) {
      case 5: bwd_data_block<5>(g, dyp, w, j0, v0, v1, buf); break;
      case 4: bwd_data_block<4>(g, dyp, w, j0, v0, v1, buf); break;
      case 3: bwd_data_block<3>(g, dyp, w, j0, v0, v1, buf); break;
      case 2: bwd_data_block<2>(g, dyp, w, j0, v0, v1, buf); break;
      case 1: bwd_data_block<1>(g, dyp, w, j0, v0, v1, buf); break;
      default: break;
    }
  }
}

// ---- backward-weight ---------------------------------------------------------------------------

// dw[k0.., j0..] += sum over positions of dy * tap, KB channels x JB taps. dw is [Kg][CRS].
template <int KB, int JB>
HG_INL void bwd_weight_block(const Geo& g, const float* buf, const float* dyp, int64_t k0,
                             int64_t j0, float* dw) {
  v8 acc[KB][JB];
  for (int i = 0; i < KB; ++i)
    for (int jj = 0; jj < JB; ++jj) acc[i][jj] = vzero();
  int64_t tj[JB];
  for (int jj = 0; jj < JB; ++jj) tj[jj] = g.tap[j0 + jj];
  for (int64_t v = 0; v < g.nvec; ++v) {
    const float* b = buf + g.base(v);
    v8 xv[JB], dv[KB];
    for (int jj = 0; jj < JB; ++jj) xv[jj] = vload(b + tj[jj]);
    for (int i = 0; i < KB; ++i) dv[i] = vload(dyp + (k0 + i) * g.dstride + v * V);
    for (int i = 0; i < KB; ++i)
      for (int jj = 0; jj < JB; ++jj) acc[i][jj] += dv[i] * xv[jj];
  }
  for (int i = 0; i < KB; ++i)
    for (int jj = 0; jj < JB; ++jj) dw[(k0 + i) * g.CRS + j0 + jj] += vsum(acc[i][jj]);
}

template <int KB>
HG_INL void bwd_weight_row(const Geo& g, const float* buf, const float* dyp, int64_t k0,
                           float* dw) {
  constexpr int JB = 3;
  int64_t j0 = 0;
  for (; j0 + JB <= g.CRS; j0 += JB) bwd_weight_block<KB, JB>(g, buf, dyp, k0, j0, dw);
  switch (g.CRS - j0) {
    case 2: bwd_weight_block<KB, 2>(g, buf, dyp, k0, j0, dw); break;
    case 1: bwd_weight_block<KB, 1>(g, buf, dyp, k0, j0, dw); break;
    default: break;
  }
}

HG_INL void backward_weight_image_impl(const Geo& g, const float* buf, const float* dyp,
                                       float* dw) {
  constexpr int KB = 4;
  int64_t k0 = 0;
  for (; k0 + KB <= g.Kg; k0 += KB) bwd_weight_row<KB>(g, buf, dyp, k0, dw);
  switch (g.Kg - k0) {
    case 3: bwd_weight_row<3>(g, buf, dyp, k0, dw); break;
    case 2: bwd_weight_row<2>(g, buf, dyp, k0, dw); break;
    case 1: bwd_weight_row<1>(g, buf, dyp, k0, dw); break;
    default: break;
  }
}

// ---- the per-image drivers, compiled for the baseline ISA and for AVX2 + FMA --------------------

void forward_image_base(const Geo& g, const float* buf, const float* wT, const float* bias,
                        Act fused_act, float alpha, float* y) {
  forward_image_impl(g, buf, wT, bias, fused_act, alpha, y);
}
void backward_data_image_base(const Geo& g, const float* dyp, const float* w, float* buf) {
  backward_data_image_impl(g, dyp, w, buf);
}
void backward_weight_image_base(const Geo& g, const float* buf, const float* dyp, float* dw) {
  backward_weight_image_impl(g, buf, dyp, dw);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void forward_image_avx2(const Geo& g, const float* buf,
                                                            const float* wT, const float* bias,
                                                            Act fused_act, float alpha, float* y) {
  forward_image_impl(g, buf, wT, bias, fused_act, alpha, y);
}
__attribute__((target("avx2,fma"))) void backward_data_image_avx2(const Geo& g, const float* dyp,
                                                                  const float* w, float* buf) {
  backward_data_image_impl(g, dyp, w, buf);
}
__attribute__((target("avx2,fma"))) void backward_weight_image_avx2(const Geo& g, const float* buf,
                                                                    const float* dyp, float* dw) {
  backward_weight_image_impl(g, buf, dyp, dw);
}
#endif

bool use_avx2() {
  static const bool yes = detail::cpu_has_avx2();
  return yes;
}

void forward_image(const Geo& g, const float* buf, const float* wT, const float* bias,
                   Act fused_act, float alpha, float* y) {
#if defined(__x86_64__)
  if (use_avx2()) return forward_image_avx2(g, buf, wT, bias, fused_act, alpha, y);
#endif
  forward_image_base(g, buf, wT, bias, fused_act, alpha, y);
}
void backward_data_image(const Geo& g, const float* dyp, const float* w, float* buf) {
#if defined(__x86_64__)
  if (use_avx2()) return backward_data_image_avx2(g, dyp, w, buf);
#endif
  backward_data_image_base(g, dyp, w, buf);
}
void backward_weight_image(const Geo& g, const float* buf, const float* dyp, float* dw) {
#if defined(__x86_64__)
  if (use_avx2()) return backward_weight_image_avx2(g, buf, dyp, dw);
#endif
  backward_weight_image_base(g, buf, dyp, dw);
}

// Runs body(n, scratch) for every image over the pool (one image per chunk at least).
template <class F>
void each_image(int64_t N, int64_t scratch_floats, F body) {
  parallel_for(0, N, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> scratch(static_cast<size_t>(scratch_floats));
    for (int64_t n = lo; n < hi; ++n) body(n, scratch.data());
  });
}

}  // namespace

void forward_direct(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act, float alpha) {
  const Geo g(s);
  const int64_t PQ = g.P * g.Q;
  // wT[group][j][k]: the Kg weights of one tap side by side, for the broadcasts.
  std::vector<float> wT(static_cast<size_t>(s.w_numel()));
  for (int64_t gr = 0; gr < s.groups; ++gr)
    for (int64_t k = 0; k < g.Kg; ++k)
      for (int64_t j = 0; j < g.CRS; ++j)
        wT[(gr * g.CRS + j) * g.Kg + k] = w[(gr * g.Kg + k) * g.CRS + j];
  // ReLU and leaky ReLU are applied in registers; other activations in a pass over the image.
  const bool fuse = act == Act::None || act == Act::ReLU || act == Act::LeakyReLU;
  each_image(s.N, g.buf, [&](int64_t n, float* buf) {
    for (int64_t gr = 0; gr < s.groups; ++gr) {
      pack_input(g, x + (n * s.C + gr * g.Cg) * s.H * s.W, buf);
      forward_image(g, buf, wT.data() + gr * g.CRS * g.Kg, bias ? bias + gr * g.Kg : nullptr,
                    fuse ? act : Act::None, alpha, y + (n * s.K + gr * g.Kg) * PQ);
    }
    if (!fuse) bias_act_image(s.K, PQ, nullptr, y + n * s.K * PQ, act, alpha);
  });
}

void backward_data_direct(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const Geo g(s);
  const int64_t PQ = g.P * g.Q;
  each_image(s.N, g.buf + g.Kg * g.dstride, [&](int64_t n, float* scratch) {
    float* buf = scratch;
    float* dyp = scratch + g.buf;
    for (int64_t gr = 0; gr < s.groups; ++gr) {
      pack_dy(g, dy + (n * s.K + gr * g.Kg) * PQ, dyp);
      std::memset(buf, 0, static_cast<size_t>(g.buf) * sizeof(float));
      backward_data_image(g, dyp, w + gr * g.Kg * g.CRS, buf);
      unpack_input(g, buf, dx + (n * s.C + gr * g.Cg) * s.H * s.W);
    }
  });
}

void backward_weight_direct(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias) {
  const Geo g(s);
  const int64_t PQ = g.P * g.Q, WN = s.w_numel();
  std::vector<float> out(static_cast<size_t>(WN + s.K));
  batch_sum(s.N, WN + s.K, g.buf + g.Kg * g.dstride, out.data(),
            [&](int64_t n, float* acc, float* scratch) {
              float* buf = scratch;
              float* dyp = scratch + g.buf;
              for (int64_t gr = 0; gr < s.groups; ++gr) {
                pack_input(g, x + (n * s.C + gr * g.Cg) * s.H * s.W, buf);
                pack_dy(g, dy + (n * s.K + gr * g.Kg) * PQ, dyp);
                backward_weight_image(g, buf, dyp, acc + gr * g.Kg * g.CRS);
              }
              if (dbias) bias_grad_image(s.K, PQ, dy + n * s.K * PQ, acc + WN);
            });
  std::copy(out.begin(), out.begin() + WN, dw);
  if (dbias) std::copy(out.begin() + WN, out.end(), dbias);
}

}  // namespace hg::kernels::cpu::conv_detail
