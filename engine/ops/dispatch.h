// Helpers every op uses: argument checks and the device switch. Private to engine/ops.
#pragma once
#include <string>
#include <type_traits>
#include <vector>
#ifdef HG_WITH_CUDA
#include "kernels/cuda/runtime/stream.h"
#endif

#include "engine/tensor/tensor.h"
#include "engine/util/error.h"

namespace hg::ops::detail {

inline void check_defined(const char* op, const Tensor& t, const char* what) {
  if (!t.defined()) throw Error(std::string(op) + ": " + what + " is undefined");
}

inline void check_same_device(const char* op, const std::vector<Tensor>& ts) {
  for (const Tensor& t : ts)
    if (t.defined() && t.device() != ts[0].device())
      throw Error(std::string(op) + ": tensors on different devices (" + ts[0].device().str() +
                  " and " + t.device().str() + ")");
}

inline void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw Error(std::string(op) + ": shapes differ: " + shape_str(a.shape()) + " vs " +
                shape_str(b.shape()));
}

inline void check_2d(const char* op, const Tensor& t, const char* what) {
  if (t.ndim() != 2)
    throw Error(std::string(op) + ": " + what + " must be 2-D, got shape " + shape_str(t.shape()));
}

// The device switch of a kernel family whose CPU and CUDA kernels share one signature (the CUDA
// one adds the stream): dispatch(device, op, cpu_kernel, HG_CUDA_KERNEL(cuda_kernel), args...)
// runs cpu_kernel(args...) for a CPU device and cuda_kernel(args..., stream) on the engine's
// current stream for a CUDA one. HG_CUDA_KERNEL names nothing in a build without CUDA, so an op is
// written once for both builds (the pattern of PyTorch's dispatch stubs; the GEMM and conv families
// pick by name in kernel_select.h on top of it).
struct NoCudaKernel {};
#ifdef HG_WITH_CUDA
#define HG_CUDA_KERNEL(f) (f)
#else
#define HG_CUDA_KERNEL(f) \
  ::hg::ops::detail::NoCudaKernel {}
#endif

template <class CpuKernel, class CudaKernel, class... Args>
void dispatch(Device d, const char* op, CpuKernel cpu, CudaKernel cuda, Args... args) {
  if (d.is_cpu()) {
    cpu(args...);
    return;
  }
  if constexpr (std::is_same_v<CudaKernel, NoCudaKernel>) {
    (void)cuda;
    throw Error(std::string(op) + ": this build of hourglass has no CUDA backend");
  } else {
#ifdef HG_WITH_CUDA
    cuda(args..., kernels::cuda::current_stream());
#endif
  }
}

}  // namespace hg::ops::detail
