// Bandwidth of the CUDA ops kernels (kernels/cuda/ops) against cudaMemcpy device-to-device, on the
// autoencoder's batch (256 x 784) and a large scoring pass (65536 x 784).
// Each benchmark first times a D2D copy of the same number of floats (median of 5 after a warm-up,
// 2 * 4 B moved per float), then times the kernel with CUDA events (manual time; small shapes time
// a batch of 20 launches per event pair so the ~us event resolution does not dominate).
// Counters: GB/s = bytes the kernel must move (reads + writes, listed per kernel below) / time;
// pct_of_d2d_copy = 100 * kernel GB/s / copy GB/s (100 = as fast as a plain copy of its traffic).
// Without a usable GPU it prints "no usable CUDA device: <reason>; skipping" and exits 0.
//   ./bench_bandwidth_cuda --benchmark_filter=recon
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/cuda_bench_util.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cuda/ops/activation.h"
#include "kernels/cuda/ops/elementwise.h"
#include "kernels/cuda/ops/loss.h"
#include "kernels/cuda/ops/optim.h"
#include "kernels/cuda/ops/pointwise.h"
#include "kernels/cuda/ops/reduce.h"
#include "kernels/cuda/runtime/check.h"
#include "kernels/cuda/runtime/device.h"

namespace {

namespace kcuda = hg::kernels::cuda;

struct Shape {
  const char* label;
  int64_t rows, cols;
  int64_t n() const { return rows * cols; }
};
const Shape kShapes[] = {{"batch", 256, 784}, {"large", 65536, 784}};

// Device buffers for one shape, allocated and initialised once, kept for the whole run.
struct Buffers {
  std::vector<float*> all;
  float *x, *r, *y, *feat, *row, *p, *g, *m, *v, *bias;
  explicit Buffers(const Shape& s) {
    const int64_t n = s.n();
    x = alloc(n, 1, 0.0f, 1.0f);
    r = alloc(n, 2, 0.0f, 1.0f);
    y = alloc(n, 0, 0.0f, 0.0f);
    feat = alloc(n, 0, 0.0f, 0.0f);
    row = alloc(s.rows, 0, 0.0f, 0.0f);
    p = alloc(n, 3, -0.1f, 0.1f);
    g = alloc(n, 4, -0.01f, 0.01f);
    m = alloc(n, 0, 0.0f, 0.0f);
    v = alloc(n, 0, 0.0f, 0.0f);
    bias = alloc(s.cols, 0, 0.0f, 0.0f);
    HG_CUDA_CHECK(cudaDeviceSynchronize());
  }
  ~Buffers() {
    for (float* b : all) kcuda::device_free(b);
  }
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
  float* alloc(int64_t n, uint64_t seed, float lo, float hi) {
    auto* b = static_cast<float*>(kcuda::device_malloc(static_cast<size_t>(n) * sizeof(float)));
    all.push_back(b);
    if (seed) {  // U[lo, hi), drawn on the host once per buffer
      hg::Rng rng(seed);
      std::vector<float> h(static_cast<size_t>(n));
      for (float& x : h) x = lo + (hi - lo) * static_cast<float>(rng.uniform());
      kcuda::copy_host_to_device(b, h.data(), h.size() * sizeof(float));
    } else {
      kcuda::fill(b, 0.0f, n);
    }
    return b;
  }
};

Buffers& buffers_for(const Shape& s) {
  static std::map<const Shape*, std::unique_ptr<Buffers>> cache;
  auto& slot = cache[&s];
  if (!slot) slot = std::make_unique<Buffers>(s);
  return *slot;
}

// One launch per timed run, after an L2 flush: every figure is DRAM traffic plus the launch, as
// in a training step (the batch shape's figure includes the ~2-5 us launch latency).
int inner_for(const Shape&) { return 1; }

// One L2 flush buffer for the whole run (twice the L2: a few hundred MB on an H200).
void flush_l2() {
  static hg::bench::L2Flush flush;
  flush();
}

// Median time of a D2D copy of n floats (the ceiling for a kernel that streams the same bytes).
double copy_ms(hg::bench::EventTimer& ev, Buffers& b, const Shape& s) {
  const size_t bytes = static_cast<size_t>(s.n()) * sizeof(float);
  auto f = [&] {
    HG_CUDA_CHECK(cudaMemcpyAsync(b.y, b.x, bytes, cudaMemcpyDeviceToDevice, nullptr));
  };
  return hg::bench::median_ms(ev, f, 5, inner_for(s), flush_l2);
}

// kernel(b, s) launches once; bytes_per_elem * n + extra_bytes is the traffic it must move.
using Kernel = void (*)(Buffers&, const Shape&);

void BM_Bandwidth(benchmark::State& st, Kernel kernel, double bytes_per_elem, int64_t extra_bytes,
                  const Shape* shape) {
  const Shape& s = *shape;
  try {
    Buffers& b = buffers_for(s);
    hg::bench::EventTimer ev;
    const double ref_ms = copy_ms(ev, b, s);
    const double ref_gbs = 2.0 * double(s.n()) * sizeof(float) / (ref_ms / 1e3) / 1e9;
    const double mean_ms = hg::bench::run_timed(
        st, ev, [&] { kernel(b, s); }, inner_for(s), flush_l2);
    const double bytes = bytes_per_elem * double(s.n()) + double(extra_bytes);
    const double gbs = bytes / (mean_ms / 1e3) / 1e9;
    st.counters["GB/s"] = gbs;
    st.counters["d2d_copy_GB/s"] = ref_gbs;
    st.counters["pct_of_d2d_copy"] = 100.0 * gbs / ref_gbs;
  } catch (const hg::Error& e) {
    st.SkipWithError(e.what());
  }
}

void k_copy(Buffers& b, const Shape& s) {
  HG_CUDA_CHECK(cudaMemcpyAsync(b.y, b.x, static_cast<size_t>(s.n()) * sizeof(float),
                                cudaMemcpyDeviceToDevice, nullptr));
}
void k_recon_mse(Buffers& b, const Shape& s) {  // reads x, r: 8 B/elem (+ rows * 4 B)
  kcuda::recon_error(kcuda::ReconKind::MSE, b.x, b.r, b.row, nullptr, s.rows, s.cols);
}
void k_recon_mse_feat(Buffers& b, const Shape& s) {  // + writes feat: 12 B/elem
  kcuda::recon_error(kcuda::ReconKind::MSE, b.x, b.r, b.row, b.feat, s.rows, s.cols);
}
void k_recon_bce_logits(Buffers& b, const Shape& s) {  // 8 B/elem, expf + log1pf per element
  kcuda::recon_error(kcuda::ReconKind::BCELogits, b.x, b.r, b.row, nullptr, s.rows, s.cols);
}
void k_relu(Buffers& b, const Shape& s) {  // 8 B/elem
  kcuda::act_forward(kcuda::Act::ReLU, b.x, b.y, s.n());
}
void k_sigmoid(Buffers& b, const Shape& s) {  // 8 B/elem
  kcuda::act_forward(kcuda::Act::Sigmoid, b.x, b.y, s.n());
}
// The pointwise op table, every row: forward 8 B/elem (unary) or 12 B/elem (binary), unary
// backward 16 B/elem (reads x, y, g; writes dx).
template <class Op>
void k_unary(Buffers& b, const Shape& s) {
  kcuda::unary<Op>(b.x, b.y, s.n(), nullptr);
}
template <class Op>
void k_unary_backward(Buffers& b, const Shape& s) {
  kcuda::unary_backward<Op>(b.x, b.r, b.g, b.y, s.n(), nullptr);
}
template <class Op>
void k_binary(Buffers& b, const Shape& s) {
  kcuda::binary<Op>(b.x, b.r, b.y, s.n(), nullptr);
}
void k_sum_cols(Buffers& b, const Shape& s) {  // 4 B/elem (+ cols * 4 B)
  kcuda::sum_cols(b.x, b.bias, s.rows, s.cols, 0.0f);
}
void k_adam(Buffers& b, const Shape& s) {  // reads p, g, m, v; writes p, m, v: 28 B/elem
  static int64_t step = 0;
  kcuda::adam_step(b.p, b.g, b.m, b.v, s.n(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true, ++step);
}

struct Entry {
  const char* name;
  Kernel kernel;
  double bytes_per_elem;
  int extra;  // 0: none, 1: rows floats, 2: cols floats
};
std::vector<Entry> entries() {
  std::vector<Entry> e = {
      {"d2d_copy", k_copy, 8, 0},
      {"recon_error_mse", k_recon_mse, 8, 1},
      {"recon_error_mse_feat", k_recon_mse_feat, 12, 1},
      {"recon_error_bce_logits", k_recon_bce_logits, 8, 1},
      {"act_forward_relu", k_relu, 8, 0},
      {"act_forward_sigmoid", k_sigmoid, 8, 0},
      {"sum_cols", k_sum_cols, 4, 2},
      {"adam_step", k_adam, 28, 0},
  };
#define HG_BENCH_UNARY(Row, fn)                                   \
  e.push_back({#fn, k_unary<hg::kernels::pointwise::Row>, 8, 0}); \
  e.push_back({#fn "_backward", k_unary_backward<hg::kernels::pointwise::Row>, 16, 0});
#define HG_BENCH_BINARY(Row, fn) e.push_back({#fn, k_binary<hg::kernels::pointwise::Row>, 12, 0});
  HG_UNARY_OPS(HG_BENCH_UNARY)
  HG_BINARY_OPS(HG_BENCH_BINARY)
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (hg::bench::skip_without_gpu()) return 0;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (const Shape& s : kShapes) {
    for (const Entry& e : entries()) {
      const int64_t extra = e.extra == 1 ? s.rows * 4 : e.extra == 2 ? s.cols * 4 : 0;
      const std::string name = std::string("bw/") + e.name + "/" + s.label + "/" +
                               std::to_string(s.rows) + "x" + std::to_string(s.cols);
      benchmark::RegisterBenchmark(name.c_str(), BM_Bandwidth, e.kernel, e.bytes_per_elem, extra,
                                   &s)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
