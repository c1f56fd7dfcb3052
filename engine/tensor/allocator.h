// Memory for tensor storage. CPU blocks are 64-byte aligned (one cache line, one AVX-512 vector).
// Both allocators cache freed blocks by size, so a training loop whose shapes repeat stops calling
// the system allocator after its first step. Thread-safe.
#pragma once
#include <cstddef>

#include "engine/tensor/device.h"

namespace hg {

void* allocate(size_t bytes, Device device);  // throws hg::Error on failure
void deallocate(void* p, size_t bytes, Device device) noexcept;
// Returns cached blocks to the system (e.g. before reporting memory use).
void release_cached_memory();
// How many blocks this process has taken from the system allocator for a device kind (CPU, or
// all CUDA devices together). A steady-state training step adds none: tests check that.
size_t system_allocations(Device device);

// A private pool of device blocks for CUDA-graph capture. While a PrivatePool::Scope is active
// on a thread, every device block that thread allocates belongs to the pool; a pool block that
// is freed is held for the pool's own later allocations and never handed to anyone else, because
// a captured graph keeps writing to the addresses it recorded. Destroying the pool (after the
// graph) returns the held blocks to the shared cache; blocks still owned by tensors then go back
// to the shared cache when those tensors die.
class PrivatePool {
 public:
  PrivatePool();
  ~PrivatePool();
  PrivatePool(const PrivatePool&) = delete;
  PrivatePool& operator=(const PrivatePool&) = delete;

  class Scope {
   public:
    explicit Scope(PrivatePool& p);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    PrivatePool* prev_;
  };

  struct Impl;

 private:
  Impl* impl_;
};

}  // namespace hg
