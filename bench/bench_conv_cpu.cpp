// CPU convolutions on the conv autoencoder's layer shapes at batch 256: forward (+bias, ReLU),
// backward-data and backward-weight (+bias gradient) for each CPU algorithm (im2col + GEMM, direct,
// and auto, the per-pass choice conv.cpp makes). The decoder's transposed convolutions are the
// backward-data passes of these shapes (their own backward-data is a forward of these shapes).
// Counter GFLOPS = 2 N K P Q C R S / time. Threads: $HG_BENCH_THREADS (default 2).
// The PyTorch figures for the same passes come from bench/ref/conv_layers_torch.py (see
// bench/compare-conv-cpu, which runs both in one go).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/parallel.h"

namespace {

using hg::kernels::ConvShape;
namespace kcpu = hg::kernels::cpu;

const int kThreads = [] {
  const char* e = std::getenv("HG_BENCH_THREADS");
  return e ? std::atoi(e) : 2;
}();

// 0: 1x28x28 -> 32, 3x3, stride 2, pad 1 (out 14x14); 1: 32x14x14 -> 64, 3x3, stride 2, pad 1
// (7x7).
ConvShape layer(int64_t which) {
  ConvShape s;
  s.N = 256;
  s.R = s.S = 3;
  s.stride_h = s.stride_w = 2;
  s.pad_h = s.pad_w = 1;
  if (which == 0) {
    s.C = 1, s.H = s.W = 28, s.K = 32;
  } else {
    s.C = 32, s.H = s.W = 14, s.K = 64;
  }
  return s;
}

std::vector<float> random_vec(int64_t n) {
  std::mt19937 g(7);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(g);
  return v;
}

const char* kAlgos[] = {"im2col", "direct", "auto"};

void BM_conv(benchmark::State& st) {
  kcpu::set_num_threads(kThreads);
  const ConvShape s = layer(st.range(0));
  const int pass = static_cast<int>(st.range(1));
  const std::string algo = kAlgos[st.range(2)];
  auto x = random_vec(s.x_numel()), w = random_vec(s.w_numel()), y = random_vec(s.y_numel()),
       b = random_vec(s.K);
  // GFLOPS from wall-clock time measured here: a kIsRate counter would divide by the main
  // thread's CPU time, which misses the pool threads' work.
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    if (pass == 0)
      kcpu::conv2d_forward(s, x.data(), w.data(), b.data(), y.data(), kcpu::Act::ReLU, 0.01f, algo);
    if (pass == 1) kcpu::conv2d_backward_data(s, y.data(), w.data(), x.data(), algo);
    if (pass == 2) kcpu::conv2d_backward_weight(s, x.data(), y.data(), w.data(), b.data(), algo);
    benchmark::ClobberMemory();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.counters["GFLOPS"] = s.flops() * static_cast<double>(st.iterations()) * 1e-9 / secs;
  static const char* passes[] = {"forward", "backward_data", "backward_weight"};
  st.SetLabel(std::string(st.range(0) == 0 ? "1x28x28->32" : "32x14x14->64") + " " + passes[pass] +
              " " + algo);
}

BENCHMARK(BM_conv)
    ->ArgsProduct({{0, 1}, {0, 1, 2}, {0, 1, 2}})
    ->ArgNames({"layer", "pass", "algo"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
