#include "engine/io/npy.h"

#include <cstring>
#include <regex>

#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

namespace hg::io {

void write_npy(const std::string& path, const std::vector<float>& data, int64_t rows,
               int64_t cols) {
  if (rows < 0 || cols < 0 || static_cast<int64_t>(data.size()) != rows * cols)
    throw Error(path + ": cannot write a " + std::to_string(rows) + " x " + std::to_string(cols) +
                " matrix from " + std::to_string(data.size()) + " values");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  // magic (6) + version (2) + header length (2) + header + newline, padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>((header.size() >> 8) & 0xff));
  bytes += header;
  const size_t off = bytes.size();
  bytes.resize(off + data.size() * sizeof(float));
  if (!data.empty())
    std::memcpy(bytes.data() + off, data.data(),
                data.size() * sizeof(float));  // x86: little-endian
  write_file_atomic(path, bytes);
}

NpyMatrix read_npy(const std::string& path) {
  const std::string b = read_file(path);
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0)
    throw Error(path + ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(b[6]);
  size_t hlen = 0, start = 0;
  if (major == 1) {
    hlen = static_cast<unsigned char>(b[8]) |
           (static_cast<size_t>(static_cast<unsigned char>(b[9])) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw Error(path + ": truncated .npy header");
    for (int i = 0; i < 4; ++i)
      hlen |= static_cast<size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
    start = 12;
  } else {
    throw Error(path + ": unsupported .npy version " + std::to_string(major));
  }
  if (start + hlen > b.size()) throw Error(path + ": truncated .npy header");
  const std::string h = b.substr(start, hlen);
  if (h.find("'descr': '<f4'") == std::string::npos)
    throw Error(path + ": only float32 ('<f4') arrays are supported");
  if (h.find("'fortran_order': False") == std::string::npos)
    throw Error(path + ": Fortran-ordered arrays are not supported");
  std::smatch m;
  const std::regex shape(R"('shape':\s*\((\d*)\s*,?\s*(\d*)\s*,?\s*\))");
  if (!std::regex_search(h, m, shape) || m[1].str().empty())
    throw Error(path + ": needs a 1-D or 2-D shape");
  NpyMatrix out;
  out.rows = std::stoll(m[1].str());
  out.cols = m[2].str().empty() ? 1 : std::stoll(m[2].str());
  const size_t need = static_cast<size_t>(out.rows * out.cols) * sizeof(float);
  if (b.size() - start - hlen != need)
    throw Error(path + ": holds " + std::to_string(b.size() - start - hlen) +
                " data bytes, the shape needs " + std::to_string(need));
  out.data.resize(static_cast<size_t>(out.rows * out.cols));
  if (need) std::memcpy(out.data.data(), b.data() + start + hlen, need);
  return out;
}

}  // namespace hg::io
