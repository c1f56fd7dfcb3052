// Device discovery and raw device memory. Host-callable; safe on machines with no GPU or driver:
// discovery never aborts, it reports why no device is usable.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace hg::kernels::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  size_t total_bytes = 0;
  size_t free_bytes = 0;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
};

// The usable CUDA devices. When there are none, `why_none` (if given) says why in one sentence.
std::vector<DeviceInfo> list_devices(std::string* why_none = nullptr);

// Raw allocation on the current device (throws hg::Error on failure), and copies. The engine's
// caching allocator sits on top of these. Copies go on the engine's current stream (stream.h);
// the two that touch host memory return when the copy has finished.
void* device_malloc(size_t bytes);
void device_free(void* p) noexcept;
void copy_host_to_device(void* dst, const void* src, size_t bytes);
void copy_device_to_host(void* dst, const void* src, size_t bytes);
void copy_device_to_device(void* dst, const void* src, size_t bytes);
void synchronize();

}  // namespace hg::kernels::cuda
