// CUDA convolutions: every algo of the series (kernels/cuda/conv) and cuDNN, forward /
// backward-data / backward-weight, on the conv autoencoder's encoder layers at batch 256:
//   (a) 1x28x28 -> 32, 3x3, stride 2, pad 1      (b) 32x14x14 -> 64, 3x3, stride 2, pad 1
// (the decoder's transposed convolutions are the backward-data passes of these shapes).
// Each benchmark first times cuDNN on the same shape and pass in the same run (median of 5 launches
// after a warm-up), then the algo itself with CUDA events around each launch (manual time).
// Counters: GFLOP/s = 2 N K P Q C R S / mean time (the same FLOP count for all three passes;
// backward-weight also computes dbias), pct_of_cudnn = 100 * cuDNN time / algo time.
// Without a usable GPU it prints "no usable CUDA device: <reason>; skipping" and exits 0; without
// cuDNN in the build the percentages are left out.
//   ./bench_conv_cuda --benchmark_filter=hg-implicit
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/cuda_bench_util.h"
#include "engine/util/error.h"
#include "kernels/cuda/conv/conv.h"
#include "kernels/cuda/runtime/check.h"
#include "kernels/cuda/runtime/device.h"

namespace {

namespace kcuda = hg::kernels::cuda;
using hg::kernels::ConvShape;

struct Layer {
  const char* label;
  ConvShape s;
};

ConvShape layer(int64_t C, int64_t H, int64_t K) {
  ConvShape s;
  s.N = 256;
  s.C = C;
  s.H = H;
  s.W = H;
  s.K = K;
  s.R = 3;
  s.S = 3;
  s.stride_h = s.stride_w = 2;
  s.pad_h = s.pad_w = 1;
  return s;
}

const Layer kLayers[] = {
    {"a_1x28x28_to_32", layer(1, 28, 32)},
    {"b_32x14x14_to_64", layer(32, 14, 64)},
};

enum class Pass { Forward, BackwardData, BackwardWeight };
const char* pass_name(Pass p) {
  return p == Pass::Forward ? "fwd" : p == Pass::BackwardData ? "bwd_data" : "bwd_weight";
}

// Device tensors for one layer, allocated and filled once, kept for the whole run.
struct Tensors {
  float *x, *w, *b, *y, *dy, *dx, *dw, *db;
  explicit Tensors(const ConvShape& s) {
    x = upload(size_t(s.x_numel()), 1);
    w = upload(size_t(s.w_numel()), 2);
    b = upload(size_t(s.K), 3);
    dy = upload(size_t(s.y_numel()), 4);
    y = alloc(size_t(s.y_numel()));
    dx = alloc(size_t(s.x_numel()));
    dw = alloc(size_t(s.w_numel()));
    db = alloc(size_t(s.K));
  }
  ~Tensors() {
    for (float* p : {x, w, b, y, dy, dx, dw, db}) kcuda::device_free(p);
  }
  Tensors(const Tensors&) = delete;
  Tensors& operator=(const Tensors&) = delete;
  static float* alloc(size_t n) {
    return static_cast<float*>(kcuda::device_malloc(n * sizeof(float)));
  }
  static float* upload(size_t n, unsigned seed) {
    std::vector<float> h(n);
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (float& v : h) v = d(g);
    float* p = alloc(n);
    kcuda::copy_host_to_device(p, h.data(), n * sizeof(float));
    return p;
  }
};

Tensors& tensors_for(const Layer& l) {
  static std::map<const Layer*, std::unique_ptr<Tensors>> cache;
  auto& slot = cache[&l];
  if (!slot) slot = std::make_unique<Tensors>(l.s);
  return *slot;
}

void launch(const std::string& algo, Pass pass, const ConvShape& s, Tensors& t) {
  switch (pass) {
    case Pass::Forward:
      kcuda::conv2d_forward(algo, s, t.x, t.w, t.b, t.y, hg::kernels::Act::ReLU, 0.01f, nullptr);
      break;
    case Pass::BackwardData: kcuda::conv2d_backward_data(algo, s, t.dy, t.w, t.dx, nullptr); break;
    case Pass::BackwardWeight:
      kcuda::conv2d_backward_weight(algo, s, t.x, t.dy, t.dw, t.db, nullptr);
      break;
  }
}

bool have_cudnn() {
  const auto names = kcuda::conv_algo_names();
  return std::find(names.begin(), names.end(), "cudnn") != names.end();
}

void BM_Conv(benchmark::State& st, std::string algo, const Layer* l, Pass pass) {
  const ConvShape& s = l->s;
  try {
    Tensors& t = tensors_for(*l);
    hg::bench::EventTimer ev;
    const bool ref = have_cudnn();
    const double ref_ms = ref ? hg::bench::median_ms(
                                    ev, [&] { launch("cudnn", pass, s, t); }, 5)
                              : 0.0;
    const double mean_ms = hg::bench::run_timed(st, ev, [&] { launch(algo, pass, s, t); });
    st.counters["GFLOP/s"] = s.flops() / (mean_ms / 1e3) / 1e9;
    if (ref) {
      st.counters["pct_of_cudnn"] = 100.0 * ref_ms / mean_ms;
      st.SetLabel("vs cudnn");
    }
  } catch (const hg::Error& e) {
    st.SkipWithError(e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (hg::bench::skip_without_gpu()) return 0;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (const Layer& l : kLayers) {
    for (Pass pass : {Pass::Forward, Pass::BackwardData, Pass::BackwardWeight}) {
      for (const std::string& algo : kcuda::conv_algo_names()) {
        const std::string name =
            std::string("conv/") + algo + "/" + l.label + "/" + pass_name(pass) + "/N256";
        benchmark::RegisterBenchmark(name.c_str(), BM_Conv, algo, &l, pass)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
