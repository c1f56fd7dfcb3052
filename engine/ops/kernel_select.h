// Which implementation the backends use for GEMM and convolution: the `--gemm NAME` and
// `--conv NAME` flags (and $HG_GEMM / $HG_CONV). Names are checked when set: an unknown name is a
// UsageError naming the flag and listing the choices. Process-wide; set once at startup.
//   GEMM: CPU "hg" (our packed GEMM, the default), "hg-bf16" (the same with bf16 inputs and fp32
//         accumulation, kernels/cpu/gemm_bf16.h; CPUs with AVX-512 BF16) or "openblas" (when
//         built with it);
//         CUDA: kernels/cuda/gemm/gemm.h names (hg-naive ... hg-warptile, hg-tf32, cublas,
//         cublas-tf32).
//   Conv: CPU "auto" (default), "im2col", "direct";
//         CUDA: hg-direct, hg-im2col, hg-implicit, cudnn (kernels/cuda/conv/conv.h).
// A name meant for one device leaves the other device on its default.
#pragma once
#include <string>
#include <vector>

#include "engine/tensor/device.h"

namespace hg::ops {

void set_gemm_kernel(const std::string& name);  // "" = defaults
void set_conv_algo(const std::string& name);    // "" = defaults
// The name for a device kind ("" = that device's default).
std::string gemm_kernel_for_cuda();
enum class CpuGemm { Fp32, Bf16, OpenBlas };
CpuGemm gemm_for_cpu();  // hg, hg-bf16 or openblas (engine/ops/gemm_openblas.h)
std::string conv_algo_for_cuda();
std::string conv_algo_for_cpu();               // "", "im2col" or "direct"
std::vector<std::string> gemm_kernel_names();  // every accepted name, CPU and CUDA
// A UsageError when a CUDA kernel or algorithm was named but `device` is the CPU: it would
// silently not run.
void check_kernels_run_on(const Device& device);
std::vector<std::string> conv_algo_names();

}  // namespace hg::ops
