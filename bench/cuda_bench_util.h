// What every CUDA benchmark in bench/ shares: CUDA-event timing on the default stream, the
// median-of-N reference measurement, the manual-time benchmark loop, and the clean skip when
// there is no usable GPU. Header-only; each bench_*_cuda.cpp includes it.
#pragma once
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "kernels/cuda/runtime/check.h"
#include "kernels/cuda/runtime/device.h"

namespace hg::bench {

class EventTimer {
 public:
  EventTimer() {
    HG_CUDA_CHECK(cudaEventCreate(&start_));
    HG_CUDA_CHECK(cudaEventCreate(&stop_));
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  // Milliseconds per launch of f, averaged over `inner` back-to-back launches.
  double time_ms(const std::function<void()>& f, int inner = 1) {
    HG_CUDA_CHECK(cudaEventRecord(start_, nullptr));
    for (int i = 0; i < inner; ++i) f();
    HG_CUDA_CHECK(cudaEventRecord(stop_, nullptr));
    HG_CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0.0f;
    HG_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return double(ms) / inner;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// Evicts the L2 cache by writing a buffer twice its size, so a timed run starts with its data in
// DRAM as it would in a training step that touched other tensors in between (an H100's or H200's
// 50 MB L2 holds a whole batch of 256 images).
class L2Flush {
 public:
  L2Flush() {
    int dev = 0, l2 = 0;
    HG_CUDA_CHECK(cudaGetDevice(&dev));
    HG_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
    bytes_ = 2 * static_cast<size_t>(std::max(l2, 1 << 20));
    buf_ = kernels::cuda::device_malloc(bytes_);
  }
  ~L2Flush() { kernels::cuda::device_free(buf_); }
  L2Flush(const L2Flush&) = delete;
  L2Flush& operator=(const L2Flush&) = delete;
  void operator()() const { HG_CUDA_CHECK(cudaMemsetAsync(buf_, 0, bytes_, nullptr)); }

 private:
  void* buf_ = nullptr;
  size_t bytes_ = 0;
};

// One launch that is not timed (handles, plans, memory pools, clocks), then a device sync.
inline void warm_up(const std::function<void()>& f) {
  f();
  HG_CUDA_CHECK(cudaDeviceSynchronize());
}

// The median of `reps` timed runs after a warm-up, each preceded (untimed) by `before` when
// given: the reference figure a benchmark divides by.
inline double median_ms(EventTimer& ev, const std::function<void()>& f, int reps, int inner = 1,
                        const std::function<void()>& before = {}) {
  warm_up(f);
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    if (before) before();
    t.push_back(ev.time_ms(f, inner));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The benchmark loop under UseManualTime(): warm-up, then one timed run per iteration, each
// preceded (untimed) by `before` when given, e.g. an L2Flush. Returns the mean milliseconds per
// launch.
inline double run_timed(benchmark::State& st, EventTimer& ev, const std::function<void()>& f,
                        int inner = 1, const std::function<void()>& before = {}) {
  warm_up(f);
  double total_ms = 0.0;
  for (auto _ : st) {
    if (before) before();
    const double ms = ev.time_ms(f, inner);
    total_ms += ms;
    st.SetIterationTime(ms / 1e3);
  }
  return total_ms / double(st.iterations());
}

// True, after printing "no usable CUDA device: <reason>; skipping", when there is no GPU; main
// then returns 0 so the benchmark binaries run (and do nothing) on CPU-only machines.
inline bool skip_without_gpu() {
  std::string why;
  if (!kernels::cuda::list_devices(&why).empty()) return false;
  const std::string p = "no usable CUDA device: ";
  if (why.rfind(p, 0) == 0) why = why.substr(p.size());
  std::printf("no usable CUDA device: %s; skipping\n",
              why.empty() ? "no CUDA device found" : why.c_str());
  return true;
}

}  // namespace hg::bench
