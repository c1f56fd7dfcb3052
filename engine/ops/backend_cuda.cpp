// The CUDA backend: forwards to kernels/cuda. Until the CUDA op kernels are wired in, every call
// fails with a plain message (the CPU path is complete).
#include "engine/ops/backend.h"

namespace hg::ops {

Backend* cuda_backend() { return nullptr; }

}  // namespace hg::ops
