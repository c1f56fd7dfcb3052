// Capturing a static-shape piece of work (a training step) as a CUDA graph and replaying it: one
// launch per step instead of dozens, and no host work between kernels.
//
// Contract:
// - A CudaGraph owns a non-blocking stream. Make it the engine's current stream
//   (kernels/cuda/runtime/stream.h StreamGuard) for everything that touches the graph's memory,
//   eager work included, so all of it is ordered on one stream.
// - capture(fn) records the kernels fn enqueues (fn's host code runs once, now; its kernels run
//   only on replay()). Every device block allocated while capturing belongs to the graph's private
//   pool (engine/tensor/allocator.h) and is never handed to anyone else while the graph lives.
// - What a replay reads or writes outside the pool (parameters, optimizer state, input buffers)
//   must stay allocated, at the same address, for the graph's life. Anything that changes from step
//   to step must live in device memory, never in a kernel argument (see
//   Optimizer::set_device_step).
// - fn must not synchronise with the host (no item(), no host copies).
// Without a CUDA build every call throws hg::Error.
#pragma once
#include <functional>
#include <memory>

namespace hg {

class CudaGraph {
 public:
  CudaGraph();
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  void* stream() const;  // a cudaStream_t
  void capture(const std::function<void()>& fn);
  bool captured() const;
  void replay();

  // While alive, the graph's stream is the engine's current stream on this thread.
  class StreamScope {
   public:
    explicit StreamScope(const CudaGraph& g);
    ~StreamScope();
    StreamScope(const StreamScope&) = delete;
    StreamScope& operator=(const StreamScope&) = delete;

   private:
    void* prev_;
  };

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hg
