#include "engine/tensor/cuda_graph.h"

#include "engine/tensor/allocator.h"
#include "engine/util/error.h"
#ifdef HG_WITH_CUDA
#include "kernels/cuda/runtime/check.h"
#include "kernels/cuda/runtime/stream.h"
#endif

namespace hg {

#ifdef HG_WITH_CUDA

struct CudaGraph::Impl {
  cudaStream_t stream = nullptr;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  PrivatePool pool;  // declared after the stream: destroyed first, once the graph is gone
};

CudaGraph::CudaGraph() : impl_(std::make_unique<Impl>()) {
  HG_CUDA_CHECK(cudaStreamCreateWithFlags(&impl_->stream, cudaStreamNonBlocking));
}

CudaGraph::~CudaGraph() {
  // Finish the replays before the pool's blocks go back to the shared cache.
  cudaStreamSynchronize(impl_->stream);
  if (impl_->exec) cudaGraphExecDestroy(impl_->exec);
  if (impl_->graph) cudaGraphDestroy(impl_->graph);
  cudaStream_t s = impl_->stream;
  impl_.reset();  // the pool returns its held blocks
  cudaStreamDestroy(s);
}

void* CudaGraph::stream() const { return impl_->stream; }

// The graph's stream does not synchronise with the legacy default stream, so the hand-overs do:
// work queued before the scope finishes before the scope's work starts, and the other way round.
CudaGraph::StreamScope::StreamScope(const CudaGraph& g) : prev_(kernels::cuda::current_stream()) {
  HG_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(prev_)));
  kernels::cuda::set_current_stream(static_cast<cudaStream_t>(g.stream()));
}
CudaGraph::StreamScope::~StreamScope() {
  cudaStreamSynchronize(kernels::cuda::current_stream());
  kernels::cuda::set_current_stream(static_cast<cudaStream_t>(prev_));
}
bool CudaGraph::captured() const { return impl_->exec != nullptr; }

void CudaGraph::capture(const std::function<void()>& fn) {
  if (impl_->exec) throw Error("CudaGraph::capture: this graph was captured already");
  kernels::cuda::StreamGuard on_stream(impl_->stream);
  PrivatePool::Scope in_pool(impl_->pool);
  // Relaxed: the allocator may call cudaMalloc while capturing (a new pool block).
  HG_CUDA_CHECK(cudaStreamBeginCapture(impl_->stream, cudaStreamCaptureModeRelaxed));
  try {
    fn();
  } catch (...) {
    cudaGraph_t g = nullptr;
    cudaStreamEndCapture(impl_->stream, &g);  // leave the stream usable
    if (g) cudaGraphDestroy(g);
    cudaGetLastError();
    throw;
  }
  HG_CUDA_CHECK(cudaStreamEndCapture(impl_->stream, &impl_->graph));
  HG_CUDA_CHECK(cudaGraphInstantiate(&impl_->exec, impl_->graph, 0));
}

void CudaGraph::replay() {
  if (!impl_->exec) throw Error("CudaGraph::replay: nothing was captured");
  HG_CUDA_CHECK(cudaGraphLaunch(impl_->exec, impl_->stream));
}

#else

struct CudaGraph::Impl {};
CudaGraph::CudaGraph() { throw Error("--cuda-graph: this build of hourglass has no CUDA backend"); }
CudaGraph::~CudaGraph() = default;
void* CudaGraph::stream() const { return nullptr; }
CudaGraph::StreamScope::StreamScope(const CudaGraph&) : prev_(nullptr) {}
CudaGraph::StreamScope::~StreamScope() = default;
bool CudaGraph::captured() const { return false; }
void CudaGraph::capture(const std::function<void()>&) {}
void CudaGraph::replay() {}

#endif

}  // namespace hg
