// Launch arithmetic shared by every CUDA kernel family (host code; no CUDA types needed).
#pragma once
#include <cstdint>

namespace hg::kernels {

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// True when p can be read as float4 / int4 (16-byte aligned).
inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// Blocks of `threads` for a grid-stride loop over work_items: ceil(work_items / threads), at
// least 1 (a launch with an empty grid is an error) and at most max_blocks (the loop covers the
// rest; a smaller grid also keeps per-block setup cheap).
inline int blocks_for(int64_t work_items, int threads, int64_t max_blocks) {
  int64_t b = ceil_div(work_items, threads);
  if (b < 1) b = 1;
  if (b > max_blocks) b = max_blocks;
  return static_cast<int>(b);
}

}  // namespace hg::kernels
