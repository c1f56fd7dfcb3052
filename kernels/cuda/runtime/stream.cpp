#include "kernels/cuda/runtime/stream.h"

namespace hg::kernels::cuda {

namespace {
thread_local cudaStream_t g_stream = nullptr;
}

cudaStream_t current_stream() { return g_stream; }
void set_current_stream(cudaStream_t s) { g_stream = s; }

}  // namespace hg::kernels::cuda
