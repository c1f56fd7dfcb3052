#include "engine/ops/kernel_select.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>

#include "engine/ops/gemm_openblas.h"
#include "engine/util/error.h"
#include "kernels/cpu/gemm_bf16.h"
#ifdef HG_WITH_CUDA
#include "kernels/cuda/conv/conv.h"
#include "kernels/cuda/gemm/gemm.h"
#endif

namespace hg::ops {

namespace {

struct Selection {
  std::mutex mu;
  std::string gemm_cuda, conv_cuda, conv_cpu;
  std::atomic<CpuGemm> cpu_gemm{CpuGemm::Fp32};  // read on every CPU GEMM: no lock
};

Selection& sel() {
  static Selection s;
  return s;
}

const std::vector<std::string>& cpu_gemm_names() {
  static const std::vector<std::string> n =
      openblas_available() ? std::vector<std::string>{"hg", "hg-bf16", "openblas"}
                           : std::vector<std::string>{"hg", "hg-bf16"};
  return n;
}
const std::vector<std::string>& cpu_conv_names() {
  static const std::vector<std::string> n = {"auto", "im2col", "direct"};
  return n;
}

std::vector<std::string> cuda_gemm_names() {
#ifdef HG_WITH_CUDA
  return kernels::cuda::gemm_kernel_names();
#else
  return {};
#endif
}
std::vector<std::string> cuda_conv_names() {
#ifdef HG_WITH_CUDA
  return kernels::cuda::conv_algo_names();
#else
  return {};
#endif
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::vector<std::string> gemm_kernel_names() {
  std::vector<std::string> all = cpu_gemm_names();
  for (auto& n : cuda_gemm_names()) all.push_back(n);
  return all;
}

std::vector<std::string> conv_algo_names() {
  std::vector<std::string> all = cpu_conv_names();
  for (auto& n : cuda_conv_names()) all.push_back(n);
  return all;
}

void set_gemm_kernel(const std::string& name) {
  std::lock_guard<std::mutex> lock(sel().mu);
  if (name.empty() || contains(cpu_gemm_names(), name)) {
    if (name == "hg-bf16" && !kernels::cpu::gemm_bf16_supported())
      throw UsageError("--gemm hg-bf16: this CPU has no AVX-512 BF16 instructions (use --gemm hg)");
    sel().gemm_cuda.clear();
    sel().cpu_gemm.store(name == "openblas"  ? CpuGemm::OpenBlas
                         : name == "hg-bf16" ? CpuGemm::Bf16
                                             : CpuGemm::Fp32);
    return;
  }
  if (name == "openblas")
    throw UsageError(
        "--gemm openblas: this build of hourglass has no BLAS (install "
        "libopenblas-dev and rebuild)");
  if (!contains(cuda_gemm_names(), name))
    throw UsageError("--gemm: unknown kernel '" + name +
                     "' (choose from: " + join(gemm_kernel_names()) + ")");
  sel().gemm_cuda = name;
  sel().cpu_gemm.store(CpuGemm::Fp32);
}

void set_conv_algo(const std::string& name) {
  std::lock_guard<std::mutex> lock(sel().mu);
  sel().conv_cpu.clear();
  sel().conv_cuda.clear();
  if (name.empty() || name == "auto") return;
  if (contains(cpu_conv_names(), name)) {
    sel().conv_cpu = name;
    return;
  }
  if (!contains(cuda_conv_names(), name))
    throw UsageError("--conv: unknown algorithm '" + name +
                     "' (choose from: " + join(conv_algo_names()) + ")");
  sel().conv_cuda = name;
}

std::string gemm_kernel_for_cuda() {
  std::lock_guard<std::mutex> lock(sel().mu);
  return sel().gemm_cuda;
}
CpuGemm gemm_for_cpu() { return sel().cpu_gemm.load(std::memory_order_relaxed); }

std::string conv_algo_for_cuda() {
  std::lock_guard<std::mutex> lock(sel().mu);
  return sel().conv_cuda;
}
std::string conv_algo_for_cpu() {
  std::lock_guard<std::mutex> lock(sel().mu);
  return sel().conv_cpu;
}

void check_kernels_run_on(const Device& device) {
  if (!device.is_cpu()) return;
  if (const std::string g = gemm_kernel_for_cuda(); !g.empty())
    throw UsageError("--gemm " + g +
                     " (or $HG_GEMM): a CUDA kernel, but this run computes on the CPU (CPU "
                     "kernels: hg, hg-bf16, openblas)");
  if (const std::string c = conv_algo_for_cuda(); !c.empty())
    throw UsageError("--conv " + c +
                     " (or $HG_CONV): a CUDA algorithm, but this run computes on the CPU (CPU "
                     "algorithms: auto, im2col, direct)");
}

}  // namespace hg::ops
