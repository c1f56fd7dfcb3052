// Turns the --device flag into a Device. "auto" picks CUDA when a usable GPU is found and this
// build can train on it, otherwise the CPU, and says which once on `log`. "cuda" without a usable
// GPU is an Error; "cpu" is always the CPU.
#pragma once
#include <iosfwd>
#include <string>

#include "engine/tensor/device.h"

namespace hg {

Device resolve_device(const std::string& flag, std::ostream& log);

// One sentence on the GPU situation, for `hourglass info`.
bool cuda_built();
bool cuda_training_supported();  // true when the CUDA backend is built

}  // namespace hg
