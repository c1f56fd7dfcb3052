#include "engine/tensor/device_select.h"

#include <ostream>

#include "engine/util/error.h"
#ifdef HG_WITH_CUDA
#include "kernels/cuda/runtime/device.h"
#endif

namespace hg {

bool cuda_built() {
#ifdef HG_WITH_CUDA
  return true;
#else
  return false;
#endif
}

bool cuda_training_supported() { return cuda_built(); }

std::vector<GpuInfo> gpu_devices(std::string* why_none) {
  std::vector<GpuInfo> out;
#ifdef HG_WITH_CUDA
  for (const auto& d : kernels::cuda::list_devices(why_none))
    out.push_back(
        {d.index, d.name, d.total_bytes, d.free_bytes, d.cc_major, d.cc_minor, d.sm_count});
#else
  if (why_none) *why_none = "this build has no CUDA backend";
#endif
  return out;
}

namespace {

// Empty when a GPU is usable; otherwise why not.
std::string why_no_gpu() {
#ifdef HG_WITH_CUDA
  std::string why;
  auto devices = kernels::cuda::list_devices(&why);
  if (devices.empty()) return why;
  if (!cuda_training_supported())
    return "a GPU was found (" + devices[0].name + ") but this build has no CUDA op kernels yet";
  return "";
#else
  return "this build of hourglass has no CUDA backend";
#endif
}

}  // namespace

Device resolve_device(const std::string& flag, std::ostream& log) {
  if (flag == "cpu") return Device::cpu();
  if (flag == "auto") {
    std::string why = why_no_gpu();
    if (why.empty()) {
      log << "device: cuda:0\n";
      return Device::cuda(0);
    }
    log << "device: cpu (" << why << ")\n";
    return Device::cpu();
  }
  if (flag == "cuda" || flag == "cuda:0") {
    std::string why = why_no_gpu();
    if (!why.empty()) throw Error("--device " + flag + ": " + why);
    return Device::cuda(0);
  }
  throw UsageError("--device: unknown device '" + flag + "' (expected auto, cpu or cuda)");
}

}  // namespace hg
