#include "engine/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <memory>

#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

namespace hg::data {
namespace {

constexpr uint8_t kTypeU8 = 0x08;

// Sequential byte source over a raw or gzip file; read() returns fewer bytes only at the end.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(path + ": cannot open: " + errno_text(errno));
    unsigned char head[2] = {0, 0};
    const size_t got = std::fread(head, 1, 2, f);
    if (got == 2 && head[0] == 0x1f && head[1] == 0x8b) {
      std::fclose(f);
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) throw Error(path + ": cannot open: " + errno_text(errno));
      gzbuffer(gz_, 1 << 18);
    } else {
      std::rewind(f);
      raw_ = f;
    }
  }
  ~ByteSource() {
    if (raw_) std::fclose(raw_);
    if (gz_) gzclose(gz_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  size_t read(uint8_t* dst, size_t n) {
    size_t total = 0;
    while (total < n) {
      const size_t want = std::min<size_t>(n - total, 1u << 30);
      size_t got;
      if (raw_) {
        got = std::fread(dst + total, 1, want, raw_);
        if (got < want && std::ferror(raw_))
          throw Error(path_ + ": read error: " + errno_text(errno));
      } else {
        const int r = gzread(gz_, dst + total, static_cast<unsigned>(want));
        if (r < 0) {
          int code = 0;
          const char* msg = gzerror(gz_, &code);
          throw Error(path_ + ": corrupt gzip data: " + (msg ? msg : "unknown error"));
        }
        got = static_cast<size_t>(r);
      }
      total += got;
      if (got < want) break;
    }
    return total;
  }

 private:
  std::string path_;
  std::FILE* raw_ = nullptr;
  gzFile gz_ = nullptr;
};

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string hex2(unsigned v) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[(v >> 4) & 15] + digits[v & 15];
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  ByteSource src(path);
  uint8_t magic[4];
  if (src.read(magic, 4) != 4 || magic[0] != 0 || magic[1] != 0)
    throw Error(path + ": not an IDX file (bad magic number)");
  if (magic[2] != kTypeU8)
    throw Error(path + ": unsupported IDX element type " + hex2(magic[2]) +
                " (only unsigned byte 0x08 is supported)");
  const int ndims = magic[3];
  if (ndims == 0) throw Error(path + ": IDX file declares 0 dimensions");

  std::vector<uint8_t> head(4 * static_cast<size_t>(ndims));
  if (src.read(head.data(), head.size()) != head.size())
    throw Error(path + ": truncated IDX header (expected " + std::to_string(ndims) +
                " dimensions)");
  IdxArray out;
  int64_t total = 1;
  for (int i = 0; i < ndims; ++i) {
    const int64_t dim = be32(&head[4 * i]);
    if (dim == 0) throw Error(path + ": IDX dimension " + std::to_string(i) + " is 0");
    if (total > (int64_t{1} << 40) / dim)  // a corrupt header must not ask for terabytes
      throw Error(path + ": IDX dimensions are implausibly large");
    total *= dim;
    out.dims.push_back(dim);
  }

  // Read in chunks so a truncated file with a huge header never allocates the full size.
  const size_t expected = static_cast<size_t>(total);
  size_t got = 0;
  while (got < expected) {
    const size_t want = std::min<size_t>(expected - got, size_t{1} << 24);
    out.data.resize(got + want);
    const size_t r = src.read(out.data.data() + got, want);
    got += r;
    if (r < want) break;
  }
  if (got < expected)
    throw Error(path + ": truncated IDX file (expected " + std::to_string(expected) +
                " bytes of data, found " + std::to_string(got) + ")");
  uint8_t extra;
  if (src.read(&extra, 1) != 0)
    throw Error(path + ": trailing bytes after the " + std::to_string(expected) +
                " bytes of IDX data");
  return out;
}

void write_idx_u8(const std::string& path, const std::vector<int64_t>& dims,
                  const std::vector<uint8_t>& data) {
  if (dims.empty() || dims.size() > 255) throw Error(path + ": IDX needs 1..255 dimensions");
  int64_t total = 1;
  std::string head = {'\0', '\0', static_cast<char>(kTypeU8), static_cast<char>(dims.size())};
  for (int64_t d : dims) {
    if (d <= 0 || d > UINT32_MAX)
      throw Error(path + ": IDX dimension " + std::to_string(d) + " out of range");
    total *= d;
    for (int shift = 24; shift >= 0; shift -= 8)
      head.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  if (static_cast<size_t>(total) != data.size())
    throw Error(path + ": IDX data has " + std::to_string(data.size()) + " bytes but dims need " +
                std::to_string(total));
  head.append(reinterpret_cast<const char*>(data.data()), data.size());
  io::write_file_atomic(path, head);
}

Dataset load_idx_pair(const std::string& images, const std::string& labels,
                      const std::string& name) {
  const IdxArray img = read_idx(images);
  if (img.dims.size() != 3)
    throw Error(images + ": expected images of shape [n,h,w], got " +
                std::to_string(img.dims.size()) + " dimensions");
  const IdxArray lab = read_idx(labels);
  if (lab.dims.size() != 1)
    throw Error(labels + ": expected labels of shape [n], got " + std::to_string(lab.dims.size()) +
                " dimensions");
  if (img.dims[0] != lab.dims[0])
    throw Error(images + " has " + std::to_string(img.dims[0]) + " images but " + labels + " has " +
                std::to_string(lab.dims[0]) + " labels");
  Dataset d;
  d.name = name;
  d.n = img.dims[0];
  d.sample_shape = {1, img.dims[1], img.dims[2]};
  d.x.resize(img.data.size());
  for (size_t i = 0; i < img.data.size(); ++i) d.x[i] = static_cast<float>(img.data[i]) / 255.0f;
  d.y.assign(lab.data.begin(), lab.data.end());
  return d;
}

}  // namespace hg::data
