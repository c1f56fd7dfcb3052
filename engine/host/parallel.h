// The CPU thread pool, for the code above the engine that works on raw host arrays (the
// classical detectors and clustering of apps/analysis, the scorers of apps/detect, the CLI's
// --threads). The contract is kernels/cpu/parallel.h's: set_num_threads once at startup;
// parallel_for splits [begin, end) into chunks of at least `grain` items, reproducibly for a
// given thread count; calls from inside a worker run serially.
#pragma once
#include "kernels/cpu/parallel.h"

namespace hg::host {

using kernels::cpu::idle_workers;
using kernels::cpu::num_threads;
using kernels::cpu::parallel_elementwise;
using kernels::cpu::parallel_for;
using kernels::cpu::parallel_for_dynamic;
using kernels::cpu::set_num_threads;

}  // namespace hg::host
