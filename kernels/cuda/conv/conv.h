// CUDA convolutions: a teaching series plus cuDNN, behind one entry point per pass.
// Device memory, NCHW, fp32; geometry and layouts in kernels/common/conv_shape.h (same contract as
// kernels/cpu/conv.h: outputs write-only, bias nullable, act applied last).
//
// `algo` picks the implementation by name ("" = default_conv_algo()):
//   hg-direct    one thread per output element, loops over C/G * R * S taps
//   hg-im2col    materialise the patch matrix per image, then our GEMM (kernels/cuda/gemm)
//   hg-implicit  implicit GEMM: patch-matrix tiles gathered straight into shared memory
//   cudnn        cuDNN's convolution (the reference)
// Every algo supports every pass, stride, padding, dilation and groups. Calls are asynchronous on
// `stream`; launch errors throw hg::Error at once. Any scratch (im2col buffers, cuDNN workspace)
// is stream-ordered (cudaMallocAsync on `stream`), so the calls are CUDA-graph capturable.
#pragma once
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "kernels/common/activation.h"
#include "kernels/common/conv_shape.h"

namespace hg::kernels::cuda {

void conv2d_forward(const std::string& algo, const ConvShape& s, const float* x, const float* w,
                    const float* bias, float* y, Act act = Act::None, float alpha = 0.01f,
                    cudaStream_t stream = nullptr);
void conv2d_backward_data(const std::string& algo, const ConvShape& s, const float* dy,
                          const float* w, float* dx, cudaStream_t stream = nullptr);
// dbias nullable.
void conv2d_backward_weight(const std::string& algo, const ConvShape& s, const float* x,
                            const float* dy, float* dw, float* dbias,
                            cudaStream_t stream = nullptr);

// hg-direct hg-im2col hg-implicit cudnn (cudnn only when this build found cuDNN).
std::vector<std::string> conv_algo_names();
// $HG_CONV when set (unknown names throw hg::Error listing the names), else "hg-implicit".
std::string default_conv_algo();

}  // namespace hg::kernels::cuda
