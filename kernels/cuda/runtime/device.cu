#include "kernels/cuda/runtime/device.h"

#include "kernels/cuda/runtime/check.h"
#include "kernels/cuda/runtime/stream.h"

namespace hg::kernels::cuda {

std::vector<DeviceInfo> list_devices(std::string* why_none) {
  std::vector<DeviceInfo> out;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls are not poisoned
    if (why_none) *why_none = std::string("no usable CUDA device: ") + cudaGetErrorString(err);
    return out;
  }
  if (count == 0) {
    if (why_none) *why_none = "no CUDA device found";
    return out;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    DeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.total_bytes = prop.totalGlobalMem;
    d.cc_major = prop.major;
    d.cc_minor = prop.minor;
    d.sm_count = prop.multiProcessorCount;
    int prev = 0;
    if (cudaGetDevice(&prev) == cudaSuccess && cudaSetDevice(i) == cudaSuccess) {
      size_t free_b = 0, total_b = 0;
      if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) d.free_bytes = free_b;
      cudaSetDevice(prev);
    }
    cudaGetLastError();
    out.push_back(d);
  }
  if (out.empty() && why_none) *why_none = "CUDA devices were found but none could be queried";
  return out;
}

void* device_malloc(size_t bytes) {
  void* p = nullptr;
  if (bytes == 0) return nullptr;
  HG_CUDA_CHECK(cudaMalloc(&p, bytes));
  return p;
}

void device_free(void* p) noexcept {
  if (p) cudaFree(p);
}

// Copies are ordered on the engine's current stream (which may be a non-blocking one); the ones
// that involve host memory return only when the copy is done, so the host buffer may be reused.
void copy_host_to_device(void* dst, const void* src, size_t bytes) {
  if (!bytes) return;
  cudaStream_t s = current_stream();
  HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s));
  HG_CUDA_CHECK(cudaStreamSynchronize(s));
}
void copy_device_to_host(void* dst, const void* src, size_t bytes) {
  if (!bytes) return;
  cudaStream_t s = current_stream();
  HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s));
  HG_CUDA_CHECK(cudaStreamSynchronize(s));
}
void copy_device_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes)
    HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, current_stream()));
}
void synchronize() { HG_CUDA_CHECK(cudaDeviceSynchronize()); }

}  // namespace hg::kernels::cuda
