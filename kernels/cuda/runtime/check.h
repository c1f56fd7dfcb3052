// Checked CUDA calls. Every runtime call and every kernel launch goes through one of these, so an
// error names the call, the file and the line instead of surfacing later as garbage.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "kernels/common/error.h"

namespace hg::kernels::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file,
                                          int line) {
  throw ::hg::Error(std::string("CUDA error ") + cudaGetErrorName(err) + " (" +
                    cudaGetErrorString(err) + ") in " + call + " at " + file + ":" +
                    std::to_string(line));
}

}  // namespace hg::kernels::cuda

#define HG_CUDA_CHECK(call)                                                      \
  do {                                                                           \
    cudaError_t hg_err_ = (call);                                                \
    if (hg_err_ != cudaSuccess)                                                  \
      ::hg::kernels::cuda::throw_cuda_error(hg_err_, #call, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch: catches bad launch configurations immediately.
#define HG_CUDA_CHECK_LAUNCH() HG_CUDA_CHECK(cudaGetLastError())
