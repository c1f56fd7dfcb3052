// NumPy .npy files (format version 1.0) of little-endian float32 matrices: what numpy.load
// reads as a C-ordered array of dtype '<f4'. Written atomically.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hg::io {

// data holds rows*cols floats, row-major. Error naming the path on failure.
void write_npy(const std::string& path, const std::vector<float>& data, int64_t rows, int64_t cols);

struct NpyMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;
};
// Reads a 1-D or 2-D '<f4' C-ordered array (1-D becomes one column). Anything else -> Error
// naming the path and what is wrong.
NpyMatrix read_npy(const std::string& path);

}  // namespace hg::io
