// A fixed-size thread pool for the CPU kernels.
// Contract: set_num_threads(t) once at startup (t >= 1; 0 means all hardware threads).
// parallel_for splits [begin, end) into chunks of at least `grain` items and calls fn(lo, hi)
// on the pool; it returns when every chunk is done. Calls from inside a worker run serially, so
// nested parallelism never oversubscribes. Chunk boundaries depend only on (begin, end, grain,
// num_threads()), so results are reproducible for a given thread count.
#pragma once
#include <cstdint>
#include <functional>

namespace hg::kernels::cpu {

void set_num_threads(int t);
int num_threads();
// Idle pool threads stop spinning and sleep now, instead of after their usual short spin: call it
// before handing the cores to another threaded library (OpenBLAS), so the two never oversubscribe.
void idle_workers();

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t lo, int64_t hi)>& fn);

// Like parallel_for, but [begin, end) is cut into ceil(n / grain) chunks of `grain` items (the
// last may be shorter), more chunks than threads, claimed by whichever pool thread is free. For
// work whose result does not depend on which thread runs a chunk (e.g. GEMM tiles): it balances
// load when a core is busy with something else. Same inline/nested rules as parallel_for.
void parallel_for_dynamic(int64_t begin, int64_t end, int64_t grain,
                          const std::function<void(int64_t lo, int64_t hi)>& fn);

// Elementwise loops: chunks of 32K elements, so tensors below that stay on the calling thread.
constexpr int64_t kElementwiseGrain = 32768;
template <class F>
void parallel_elementwise(int64_t n, F f) {
  parallel_for(0, n, kElementwiseGrain, [&](int64_t lo, int64_t hi) { f(lo, hi); });
}

}  // namespace hg::kernels::cpu
