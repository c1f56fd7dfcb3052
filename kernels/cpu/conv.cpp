// CPU convolutions: the entry points of conv.h and the choice of algorithm.
//
// Two fast algorithms compute every pass (forward, backward-data, backward-weight):
//   im2col  (conv_im2col.cpp) - unfold the patch matrix, then the blocked GEMM. 2*Cg*R*S FLOPs per
//           output element at the GEMM micro-kernel's speed, plus R*S/(sh*sw) times the input in
//           unfolding traffic; wins once Cg*R*S fills the GEMM's tiles.
//   direct  (conv_direct.cpp) - vector loops over the taps on a padded, phase-split copy of the
//           input. Same FLOPs, no unfolding, but loads and broadcasts limit it; wins when Cg*R*S
//           is small (the 9-tap first layer of a 1-channel image).
// "" / "auto" chooses by shape and pass (measured on a 2-core AVX2 EPYC, batch 256, the conv
// autoencoder's layers; see bench/bench_conv_cpu.cpp and the table below). The references
// (conv_reference.cpp) are what the tests hold both against.
#include "kernels/cpu/conv.h"

#include <string>

#include "kernels/cpu/conv_internal.h"

namespace hg::kernels::cpu {

namespace {

using namespace conv_detail;

enum class Algo { Im2col, Direct };

// Measured (bench_conv_cpu, 2-core AVX2 EPYC, batch 256, min of 3 runs, ms):
//                              im2col  direct
//   1x28x28->32  forward        0.58    0.63   (both near the 6.4 MB output-write floor)
//   1x28x28->32  backward-data  0.68    0.61   (the GEMM's M = Cg*R*S = 9 is a thin product)
//   1x28x28->32  backward-wgt   1.08    0.92   (the GEMM's N = Cg*R*S = 9)
//   32x14x14->64 every pass     3.1-3.9 7.2-9.2
// So direct for the backward passes while Cg*R*S (the short GEMM dimension) is small, im2col
// for the rest.
constexpr int64_t kDirectMaxTaps = 32;

Algo choose(const std::string& algo, const char* what, bool direct_by_shape) {
  if (algo == "im2col") return Algo::Im2col;
  if (algo == "direct") return Algo::Direct;
  if (!algo.empty() && algo != "auto")
    throw Error(std::string(what) + ": unknown CPU convolution algorithm '" + algo +
                "' (expected auto, im2col or direct)");
  return direct_by_shape ? Algo::Direct : Algo::Im2col;
}

bool few_taps(const ConvShape& s) { return s.c_per_group() * s.R * s.S <= kDirectMaxTaps; }

}  // namespace

void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act, float alpha, const std::string& algo) {
  check(s, "conv2d_forward");
  if (choose(algo, "conv2d_forward", false) == Algo::Direct)
    forward_direct(s, x, w, bias, y, act, alpha);
  else
    forward_im2col(s, x, w, bias, y, act, alpha);
}

void conv2d_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx,
                          const std::string& algo) {
  check(s, "conv2d_backward_data");
  if (choose(algo, "conv2d_backward_data", few_taps(s)) == Algo::Direct)
    backward_data_direct(s, dy, w, dx);
  else
    backward_data_im2col(s, dy, w, dx);
}

void conv2d_backward_weight(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias, const std::string& algo) {
  check(s, "conv2d_backward_weight");
  if (choose(algo, "conv2d_backward_weight", few_taps(s)) == Algo::Direct)
    backward_weight_direct(s, x, dy, dw, dbias);
  else
    backward_weight_im2col(s, x, dy, dw, dbias);
}

}  // namespace hg::kernels::cpu
