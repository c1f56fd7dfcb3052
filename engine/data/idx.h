// IDX files (the MNIST container format): a 4-byte magic 00 00 <type> <ndims>, ndims big-endian
// uint32 dimensions, then prod(dims) elements in row-major order. Only the unsigned-byte type
// (0x08) is supported; that is all the image datasets use.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/dataset.h"

namespace hg::data {

struct IdxArray {
  std::vector<int64_t> dims;  // every dim > 0
  std::vector<uint8_t> data;  // prod(dims) bytes, row-major
};

// Reads a raw or gzip-compressed (detected by the 1f 8b magic) IDX file. Errors, all naming path:
// cannot open, bad magic, unsupported type, zero dimension, corrupt gzip stream, truncated
// payload ("<path>: truncated IDX file (expected N bytes of data, found M)"), trailing bytes.
IdxArray read_idx(const std::string& path);

// Writes an uncompressed ubyte IDX file atomically (path.tmp, then rename).
// data.size() must equal prod(dims).
void write_idx_u8(const std::string& path, const std::vector<int64_t>& dims,
                  const std::vector<uint8_t>& data);

// images [n,h,w] + labels [n] -> Dataset with sample_shape {1,h,w}, x = pixel/255, y = labels.
// Error when the ranks are wrong or the counts differ (naming both files).
Dataset load_idx_pair(const std::string& images, const std::string& labels,
                      const std::string& name);

}  // namespace hg::data
