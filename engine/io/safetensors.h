// Hugging Face safetensors files (fp32 only): the format read by `safetensors`, PyTorch, JAX...
//
// Layout: u64 little-endian N | N bytes of JSON header | data buffer.
// Header: {"__metadata__": {"k": "v", ...}, "<name>": {"dtype": "F32", "shape": [...],
//          "data_offsets": [begin, end]}, ...}; offsets are relative to the data buffer start.
// The writer sorts names (header keys and data order alike), packs the tensors back to back
// without gaps, pads the header with spaces so N is a multiple of 8, and writes atomically.
// The writer adds "hourglass_crc32" (the CRC-32 of the data buffer) to the metadata and refuses a
// NaN or infinite value; the reader verifies the checksum when a file has one (files of other
// writers need not), refuses non-finite values, and hides the key from `metadata`.
// The reader accepts any valid F32 file; every malformed input throws hg::Error "<path>: ...".
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hg::io {

// A borrowed host fp32 tensor, contiguous row-major. `data` may be null when it has 0 elements.
struct TensorView {
  std::string name;
  std::vector<int64_t> shape;  // {} = scalar (1 element)
  const float* data;
};

// An owned tensor as loaded from a file.
struct TensorData {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;  // prod(shape) elements
};

// Names must be unique, non-empty and not "__metadata__"; dims must be >= 0.
void save_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Tensors sorted by name. Validates: header length within the file, JSON parses to an object,
// dtype F32 (otherwise Error naming the tensor and dtype), shape/offsets well formed, offsets
// inside the data buffer, no two tensors overlapping, byte size == prod(shape) * 4.
// `metadata` (when given) receives "__metadata__" (string values only).
std::vector<TensorData> load_safetensors(const std::string& path,
                                         std::map<std::string, std::string>* metadata = nullptr);

}  // namespace hg::io
