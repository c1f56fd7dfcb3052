#include "engine/tensor/allocator.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "engine/util/error.h"
#ifdef HG_WITH_CUDA
#include "kernels/cuda/runtime/device.h"
#endif

namespace hg {
namespace {

constexpr size_t kAlign = 64;

size_t round_up(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// Exact-size free lists. Training reuses the same few shapes every step, so exact matching hits.
struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
  size_t cached_bytes = 0;
};

Cache& cache_for(Device d) {
  static Cache cpu, cuda;
  return d.is_cpu() ? cpu : cuda;
}

constexpr size_t kMaxCachedBytes = size_t(4) << 30;

std::atomic<size_t> g_system_allocs[2];  // [0] CPU, [1] CUDA

void* system_alloc(size_t bytes, Device d) {
  g_system_allocs[d.is_cpu() ? 0 : 1].fetch_add(1, std::memory_order_relaxed);
  if (d.is_cpu()) {
    void* p = std::aligned_alloc(kAlign, bytes);
    if (!p) throw Error("out of host memory allocating " + std::to_string(bytes) + " bytes");
    return p;
  }
#ifdef HG_WITH_CUDA
  return kernels::cuda::device_malloc(bytes);
#else
  throw Error("this build of hourglass has no CUDA backend");
#endif
}

void system_free(void* p, Device d) noexcept {
  if (d.is_cpu()) {
    std::free(p);
    return;
  }
#ifdef HG_WITH_CUDA
  kernels::cuda::device_free(p);
#endif
}

}  // namespace

static void* allocate_shared(size_t bytes, Device device);

struct PrivatePool::Impl {
  std::unordered_map<size_t, std::vector<void*>> held;  // freed pool blocks, by size
  std::vector<void*> owned;                             // every block the pool ever handed out
};

namespace {

// Device blocks that belong to a live private pool, and the pool a thread is capturing into.
struct PoolRegistry {
  std::mutex mu;
  std::unordered_map<void*, PrivatePool::Impl*> owner;
};
PoolRegistry& pools() {
  static PoolRegistry r;
  return r;
}
thread_local PrivatePool* t_capturing = nullptr;
thread_local PrivatePool::Impl* t_capturing_impl = nullptr;

}  // namespace

PrivatePool::PrivatePool() : impl_(new Impl) {}

PrivatePool::~PrivatePool() {
  std::vector<std::pair<void*, size_t>> back;
  {
    std::lock_guard<std::mutex> lock(pools().mu);
    for (void* p : impl_->owned) pools().owner.erase(p);
    for (auto& [bytes, blocks] : impl_->held)
      for (void* p : blocks) back.emplace_back(p, bytes);
  }
  for (auto& [p, bytes] : back) deallocate(p, bytes, Device::cuda(0));
  delete impl_;
}

PrivatePool::Scope::Scope(PrivatePool& p) : prev_(t_capturing) {
  t_capturing = &p;
  t_capturing_impl = p.impl_;
}
PrivatePool::Scope::~Scope() {
  t_capturing = prev_;
  t_capturing_impl = prev_ ? prev_->impl_ : nullptr;
}

void* allocate(size_t bytes, Device device) {
  if (bytes == 0) return nullptr;
  bytes = round_up(bytes);
  if (device.is_cuda() && t_capturing_impl) {
    PrivatePool::Impl* pool = t_capturing_impl;
    std::lock_guard<std::mutex> lock(pools().mu);
    auto it = pool->held.find(bytes);
    if (it != pool->held.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      return p;
    }
  }
  void* p = allocate_shared(bytes, device);
  if (device.is_cuda() && t_capturing_impl) {
    std::lock_guard<std::mutex> lock(pools().mu);
    pools().owner[p] = t_capturing_impl;
    t_capturing_impl->owned.push_back(p);
  }
  return p;
}

static void* allocate_shared(size_t bytes, Device device) {
  Cache& c = cache_for(device);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(bytes);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached_bytes -= bytes;
      return p;
    }
  }
  return system_alloc(bytes, device);
}

void deallocate(void* p, size_t bytes, Device device) noexcept {
  if (!p) return;
  bytes = round_up(bytes);
  if (device.is_cuda()) {
    std::lock_guard<std::mutex> lock(pools().mu);
    auto it = pools().owner.find(p);
    if (it != pools().owner.end()) {
      try {
        it->second->held[bytes].push_back(p);
        return;
      } catch (...) {
        return;  // out of host memory: leak the block rather than hand it out twice
      }
    }
  }
  Cache& c = cache_for(device);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached_bytes + bytes <= kMaxCachedBytes) {
      try {
        c.free_blocks[bytes].push_back(p);
        c.cached_bytes += bytes;
        return;
      } catch (...) {}
    }
  }
  system_free(p, device);
}

size_t system_allocations(Device device) {
  return g_system_allocs[device.is_cpu() ? 0 : 1].load(std::memory_order_relaxed);
}

void release_cached_memory() {
  for (Device d : {Device::cpu(), Device::cuda(0)}) {
    Cache& c = cache_for(d);
    std::lock_guard<std::mutex> lock(c.mu);
    for (auto& [bytes, blocks] : c.free_blocks)
      for (void* p : blocks) system_free(p, d);
    c.free_blocks.clear();
    c.cached_bytes = 0;
  }
}

}  // namespace hg
