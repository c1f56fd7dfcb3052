// Turns the --device flag into a Device. "auto" picks CUDA when a usable GPU is found and this
// build can train on it, otherwise the CPU, and says which once on `log`. "cuda" without a usable
// GPU is an Error; "cpu" is always the CPU.
#pragma once
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/tensor/device.h"

namespace hg {

Device resolve_device(const std::string& flag, std::ostream& log);

// One sentence on the GPU situation, for `hourglass info`.
bool cuda_built();
bool cuda_training_supported();  // true when the CUDA backend is built

struct GpuInfo {
  int index = 0;
  std::string name;
  size_t total_bytes = 0, free_bytes = 0;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
};
// The usable CUDA devices; when there are none, `why_none` says why in one sentence (also when
// this build has no CUDA backend).
std::vector<GpuInfo> gpu_devices(std::string* why_none);

}  // namespace hg
