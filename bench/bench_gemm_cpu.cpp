// CPU GEMM: Hourglass's packed AVX-512/AVX2 GEMM (and its bf16-input variant, where the CPU has
// AVX-512 BF16) vs OpenBLAS cblas_sgemm, 2 threads each, on the
// autoencoder's batch-256 layer products (NT forward, NN input-gradient, TN weight-gradient) and
// 1024^3. Counter GFLOPS = 2 M N K / time. Run with the OpenBLAS tuning variables unset:
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ./bench_gemm_cpu
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"
#include "kernels/cpu/parallel.h"

#if defined(HG_HAVE_BLAS)
#include <cblas.h>
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
#endif

namespace {

using hg::kernels::cpu::Trans;
// Threads for both libraries: 2, or HG_BENCH_THREADS.
const int kThreads = [] {
  const char* e = std::getenv("HG_BENCH_THREADS");
  return e ? std::atoi(e) : 2;
}();

struct Operands {
  std::vector<float> A, B, C;
  Operands(int64_t M, int64_t N, int64_t K) : A(M * K), B(K * N), C(M * N) {
    std::mt19937 g(42);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (auto& x : A) x = d(g);
    for (auto& x : B) x = d(g);
  }
};

Trans tr(int64_t v) { return v ? Trans::T : Trans::N; }

void set_counters(benchmark::State& st, int64_t M, int64_t N, int64_t K) {
  st.counters["GFLOPS"] =
      benchmark::Counter(2.0 * M * N * K * st.iterations() / 1e9, benchmark::Counter::kIsRate);
}

// Args: ta, tb, M, N, K (ta/tb: 0 = N, 1 = T). Gemm is kernels::cpu::gemm or gemm_bf16.
template <auto Gemm>
void run_ours(benchmark::State& st) {
  const Trans ta = tr(st.range(0)), tb = tr(st.range(1));
  const int64_t M = st.range(2), N = st.range(3), K = st.range(4);
  hg::kernels::cpu::set_num_threads(kThreads);
  Operands o(M, N, K);
  const int64_t lda = ta == Trans::N ? K : M, ldb = tb == Trans::N ? N : K;
  for (auto _ : st) {
    Gemm(ta, tb, M, N, K, 1.0f, o.A.data(), lda, o.B.data(), ldb, 0.0f, o.C.data(), N, {});
    benchmark::DoNotOptimize(o.C.data());
    benchmark::ClobberMemory();
  }
  set_counters(st, M, N, K);
}

void BM_Hourglass(benchmark::State& st) { run_ours<hg::kernels::cpu::gemm>(st); }

// The same with bf16 inputs (kernels/cpu/gemm_bf16.h); skipped on CPUs without AVX-512 BF16.
void BM_HourglassBf16(benchmark::State& st) {
  if (!hg::kernels::cpu::gemm_bf16_supported()) {
    st.SkipWithError("no AVX-512 BF16 on this CPU");
    return;
  }
  run_ours<hg::kernels::cpu::gemm_bf16>(st);
}

#if defined(HG_HAVE_BLAS)
void BM_OpenBLAS(benchmark::State& st) {
  const Trans ta = tr(st.range(0)), tb = tr(st.range(1));
  const int64_t M = st.range(2), N = st.range(3), K = st.range(4);
  if (openblas_set_num_threads) openblas_set_num_threads(kThreads);
  Operands o(M, N, K);
  const int lda = static_cast<int>(ta == Trans::N ? K : M);
  const int ldb = static_cast<int>(tb == Trans::N ? N : K);
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, ta == Trans::N ? CblasNoTrans : CblasTrans,
                tb == Trans::N ? CblasNoTrans : CblasTrans, static_cast<int>(M),
                static_cast<int>(N), static_cast<int>(K), 1.0f, o.A.data(), lda, o.B.data(), ldb,
                0.0f, o.C.data(), static_cast<int>(N));
    benchmark::DoNotOptimize(o.C.data());
    benchmark::ClobberMemory();
  }
  set_counters(st, M, N, K);
}
#endif

// Every GEMM of one training step of the seeds' MLP autoencoder (784-256-128-32-128-256-784,
// batch 256) exactly as engine/ops/linear.cpp calls it, then 1024^3.
void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"ta", "tb", "M", "N", "K"});
  const int64_t B = 256;
  const int64_t widths[] = {784, 256, 128, 32, 128, 256, 784};
  for (int l = 0; l < 6; ++l) {
    const int64_t in = widths[l], out = widths[l + 1];
    b->Args({0, 1, B, out, in});  // forward  Y = X W^T          (N, T)
    if (l > 0)
      b->Args({0, 0, B, in, out});  // input gradient dX = dY W    (N, N); not for the input layer
    b->Args({1, 0, out, in, B});    // weight gradient dW = dY^T X (T, N)
  }
  b->Args({0, 0, 1024, 1024, 1024});
  b->MinTime(0.2);
  b->UseRealTime();
}

BENCHMARK(BM_Hourglass)->Apply(shapes);
BENCHMARK(BM_HourglassBf16)->Apply(shapes);
#if defined(HG_HAVE_BLAS)
BENCHMARK(BM_OpenBLAS)->Apply(shapes);
#endif

}  // namespace

BENCHMARK_MAIN();
