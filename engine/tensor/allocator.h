// Memory for tensor storage. CPU blocks are 64-byte aligned (one cache line, one AVX-512 vector).
// Both allocators cache freed blocks by size, so a training loop whose shapes repeat stops calling
// the system allocator after its first step. Thread-safe.
#pragma once
#include <cstddef>

#include "engine/tensor/device.h"

namespace hg {

void* allocate(size_t bytes, Device device);           // throws hg::Error on failure
void deallocate(void* p, size_t bytes, Device device) noexcept;
// Returns cached blocks to the system (e.g. before reporting memory use).
void release_cached_memory();

}  // namespace hg
