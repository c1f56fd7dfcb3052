// Internal to the CPU convolution files (conv.cpp, conv_im2col.cpp, conv_direct.cpp,
// conv_reference.cpp): shape checks, the batch loops shared by both fast algorithms, and the
// per-algorithm entry points the dispatch in conv.cpp calls. Not part of the kernels' API.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common/conv_shape.h"
#include "kernels/common/error.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/parallel.h"

namespace hg::kernels::cpu::conv_detail {

inline std::string describe(const ConvShape& s) {
  auto i = [](int64_t v) { return std::to_string(v); };
  return "N " + i(s.N) + ", C " + i(s.C) + ", H " + i(s.H) + ", W " + i(s.W) + ", K " + i(s.K) +
         ", R " + i(s.R) + ", S " + i(s.S) + ", stride " + i(s.stride_h) + "x" + i(s.stride_w) +
         ", pad " + i(s.pad_h) + "x" + i(s.pad_w) + ", dilation " + i(s.dil_h) + "x" + i(s.dil_w) +
         ", groups " + i(s.groups);
}

inline void check(const ConvShape& s, const char* what) {
  if (!s.valid())
    throw Error(std::string(what) + ": invalid convolution shape (" + describe(s) +
                "): every size must be positive, C and K divisible by groups, and the output "
                "non-empty");
}

// Runs body(n, scratch) for every image n; scratch holds `scratch_floats` floats per worker. With
// at least as many images as threads the batch is split over the pool (the GEMM called inside a
// worker then runs on that thread: nested parallel_for is serial); otherwise images run one after
// the other and whatever the body calls parallelises inside.
template <class F>
void over_images(int64_t N, int64_t scratch_floats, F body) {
  if (N >= num_threads() && num_threads() > 1) {
    parallel_for(0, N, 1, [&](int64_t lo, int64_t hi) {
      std::vector<float> scratch(static_cast<size_t>(scratch_floats));
      for (int64_t n = lo; n < hi; ++n) body(n, scratch.data());
    });
  } else {
    std::vector<float> scratch(static_cast<size_t>(scratch_floats));
    for (int64_t n = 0; n < N; ++n) body(n, scratch.data());
  }
}

// Sums f(n, acc, scratch) over the batch into out[len]: the batch is cut into fixed chunks (one
// per thread), each chunk accumulates into its own zeroed acc[len], and the chunks are added in
// order. The result depends only on the thread count, not on scheduling.
template <class F>
void batch_sum(int64_t N, int64_t len, int64_t scratch_floats, float* out, F f) {
  const int64_t chunks = std::min<int64_t>(N, std::max(1, num_threads()));
  const int64_t per = (N + chunks - 1) / chunks;
  std::vector<float> acc(static_cast<size_t>(chunks * len), 0.0f);
  auto run_chunk = [&](int64_t ci) {
    std::vector<float> scratch(static_cast<size_t>(scratch_floats));
    for (int64_t n = ci * per; n < std::min(N, (ci + 1) * per); ++n)
      f(n, acc.data() + ci * len, scratch.data());
  };
  if (chunks > 1)
    parallel_for(0, chunks, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t ci = lo; ci < hi; ++ci) run_chunk(ci);
    });
  else
    run_chunk(0);
  std::copy(acc.begin(), acc.begin() + len, out);
  for (int64_t ci = 1; ci < chunks; ++ci)
    for (int64_t i = 0; i < len; ++i) out[i] += acc[ci * len + i];
}

// y[k, :] = act(y[k, :] + bias[k]) for the K rows of one image's output (PQ columns each).
inline void bias_act_image(int64_t K, int64_t PQ, const float* bias, float* y, Act act,
                           float alpha) {
  for (int64_t k = 0; k < K; ++k) {
    float* row = y + k * PQ;
    if (bias) {
      const float b = bias[k];
      for (int64_t j = 0; j < PQ; ++j) row[j] += b;
    }
    if (act != Act::None) act_forward(act, row, row, PQ, alpha);
  }
}

// dbias[k] += sum of one image's dy[k, :] (K rows of PQ).
inline void bias_grad_image(int64_t K, int64_t PQ, const float* dy, float* dbias) {
  for (int64_t k = 0; k < K; ++k) {
    const float* row = dy + k * PQ;
    float s = 0.0f;
    for (int64_t j = 0; j < PQ; ++j) s += row[j];
    dbias[k] += s;
  }
}

// The algorithms (shapes already checked). Forward applies bias (nullable) and act; backward-weight
// writes dw and, when non-null, dbias.
void forward_im2col(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act, float alpha);
void backward_data_im2col(const ConvShape& s, const float* dy, const float* w, float* dx);
void backward_weight_im2col(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias);
void forward_direct(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act, float alpha);
void backward_data_direct(const ConvShape& s, const float* dy, const float* w, float* dx);
void backward_weight_direct(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias);

}  // namespace hg::kernels::cpu::conv_detail
