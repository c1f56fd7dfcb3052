// The stream the engine enqueues its work on. Per host thread; nullptr (the legacy default
// stream) until someone sets another, e.g. a non-default stream for CUDA-graph capture.
// Device memory from the engine's caching allocator is reused in stream order, which is safe as
// long as all of a thread's work goes to this one stream.
#pragma once
#include <cuda_runtime.h>

namespace hg::kernels::cuda {

cudaStream_t current_stream();
void set_current_stream(cudaStream_t s);

// Sets the current stream for a scope and restores the previous one.
class StreamGuard {
 public:
  explicit StreamGuard(cudaStream_t s) : prev_(current_stream()) { set_current_stream(s); }
  ~StreamGuard() { set_current_stream(prev_); }
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  cudaStream_t prev_;
};

}  // namespace hg::kernels::cuda
