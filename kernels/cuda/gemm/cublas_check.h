// Checked cuBLAS calls: a failing status names the call, the file and the line.
#pragma once
#include <cublas_v2.h>

#include <string>

#include "kernels/common/error.h"

namespace hg::kernels::cuda {

[[noreturn]] inline void throw_cublas_error(cublasStatus_t st, const char* call, const char* file,
                                            int line) {
  throw ::hg::Error(std::string("cuBLAS error ") + cublasGetStatusName(st) + " (" +
                    cublasGetStatusString(st) + ") in " + call + " at " + file + ":" +
                    std::to_string(line));
}

}  // namespace hg::kernels::cuda

#define HG_CUBLAS_CHECK(call)                                                     \
  do {                                                                            \
    cublasStatus_t hg_st_ = (call);                                               \
    if (hg_st_ != CUBLAS_STATUS_SUCCESS)                                          \
      ::hg::kernels::cuda::throw_cublas_error(hg_st_, #call, __FILE__, __LINE__); \
  } while (0)
