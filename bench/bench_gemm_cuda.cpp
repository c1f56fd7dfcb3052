// CUDA GEMM: every kernel of the teaching series (kernels/cuda/gemm) and cuBLAS, on 4096^3 and the
// autoencoder's batch-256 layer products (NT forward, NN input-gradient, TN weight-gradient).
// Each benchmark first times cuBLAS on the same shape (median of 5 launches after a warm-up),
// then times the kernel itself with CUDA events around each launch (manual time).
// Counters: GFLOP/s = 2 M N K / mean launch time; pct_of_cublas = 100 * cuBLAS time / kernel time,
// against "cublas" (FP32, pedantic) for FP32 kernels and against "cublas-tf32" for TF32 ones.
// Without a usable GPU it prints "no usable CUDA device: <reason>; skipping" and exits 0.
//   ./bench_gemm_cuda --benchmark_filter=hg-warptile
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "bench/cuda_bench_util.h"
#include "engine/util/error.h"
#include "kernels/cuda/gemm/gemm.h"
#include "kernels/cuda/runtime/check.h"
#include "kernels/cuda/runtime/device.h"

namespace {

namespace kcuda = hg::kernels::cuda;
using hg::kernels::Trans;

struct Shape {
  const char* label;
  Trans ta, tb;
  int64_t M, N, K;
};

const Shape kShapes[] = {
    {"square", Trans::N, Trans::N, 4096, 4096, 4096},
    {"ae_fwd_784", Trans::N, Trans::T, 256, 256, 784},  // X[256,784] W[256,784]^T
    {"ae_dx_784", Trans::N, Trans::N, 256, 784, 256},   // dY[256,256] W[256,784]
    {"ae_dw_784", Trans::T, Trans::N, 784, 256, 256},   // X^T dY
    {"ae_fwd_256", Trans::N, Trans::T, 256, 128, 256},
    {"ae_fwd_128", Trans::N, Trans::T, 256, 32, 128},
};

// Device operands for one shape, allocated and filled once, kept for the whole run.
struct Operands {
  float* A = nullptr;
  float* B = nullptr;
  float* C = nullptr;
  int64_t lda = 0, ldb = 0, ldc = 0;
  Operands(const Shape& s) {
    lda = s.ta == Trans::N ? s.K : s.M;
    ldb = s.tb == Trans::N ? s.N : s.K;
    ldc = s.N;
    A = upload(size_t(s.M * s.K), 1);
    B = upload(size_t(s.K * s.N), 2);
    C = static_cast<float*>(kcuda::device_malloc(size_t(s.M * s.N) * sizeof(float)));
  }
  ~Operands() {
    kcuda::device_free(A);
    kcuda::device_free(B);
    kcuda::device_free(C);
  }
  Operands(const Operands&) = delete;
  Operands& operator=(const Operands&) = delete;
  static float* upload(size_t n, unsigned seed) {
    std::vector<float> h(n);
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (float& x : h) x = d(g);
    auto* p = static_cast<float*>(kcuda::device_malloc(n * sizeof(float)));
    kcuda::copy_host_to_device(p, h.data(), n * sizeof(float));
    return p;
  }
};

Operands& operands_for(const Shape& s) {
  static std::map<const Shape*, std::unique_ptr<Operands>> cache;
  auto& slot = cache[&s];
  if (!slot) slot = std::make_unique<Operands>(s);
  return *slot;
}

void launch(const std::string& kernel, const Shape& s, Operands& o) {
  kcuda::gemm(kernel, s.ta, s.tb, s.M, s.N, s.K, 1.0f, o.A, o.lda, o.B, o.ldb, 0.0f, o.C, o.ldc, {},
              nullptr);
}

void BM_Gemm(benchmark::State& st, std::string kernel, const Shape* shape) {
  const Shape& s = *shape;
  try {
    Operands& o = operands_for(s);
    hg::bench::EventTimer ev;
    const std::string ref = kcuda::gemm_kernel_uses_tf32(kernel) ? "cublas-tf32" : "cublas";
    const double ref_ms = hg::bench::median_ms(
        ev, [&] { launch(ref, s, o); }, 5);
    const double mean_ms = hg::bench::run_timed(st, ev, [&] { launch(kernel, s, o); });
    const double flops = 2.0 * double(s.M) * double(s.N) * double(s.K);
    st.counters["GFLOP/s"] = flops / (mean_ms / 1e3) / 1e9;
    st.counters["pct_of_cublas"] = 100.0 * ref_ms / mean_ms;
    st.SetLabel("vs " + ref);
  } catch (const hg::Error& e) {
    st.SkipWithError(e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (hg::bench::skip_without_gpu()) return 0;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (const Shape& s : kShapes) {
    for (const std::string& k : kcuda::gemm_kernel_names()) {
      const std::string name = "gemm/" + k + "/" + s.label + "/" + std::to_string(s.M) + "x" +
                               std::to_string(s.N) + "x" + std::to_string(s.K) + "_" +
                               (s.ta == Trans::N ? "N" : "T") + (s.tb == Trans::N ? "N" : "T");
      benchmark::RegisterBenchmark(name.c_str(), BM_Gemm, k, &s)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
