#include "apps/compress/hgz_format.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/io/atomic_file.h"
#include "engine/nn/module.h"
#include "engine/util/error.h"

namespace hg::compress {

namespace {

constexpr char kMagic[4] = {'H', 'G', 'Z', '1'};
constexpr int kMaxRank = 4;

// ---- hashing
// -------------------------------------------------------------------------------------
uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Two independent streams over the same bytes, 8 bytes (little-endian) at a time.
class Hasher {
 public:
  void add(const void* data, size_t len) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < len; ++i) {
      word_ |= uint64_t(p[i]) << (8 * fill_);
      if (++fill_ == 8) flush();
    }
    total_ += len;
  }
  void add_u64(uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = uint8_t(v >> (8 * i));
    add(b, 8);
  }
  void add_str(const std::string& s) {
    add_u64(s.size());
    add(s.data(), s.size());
  }
  Fingerprint finish() {
    if (fill_) flush();
    const uint64_t a = mix64(h1_ ^ total_), b = mix64(h2_ ^ (total_ * 0x9e3779b97f4a7c15ULL));
    Fingerprint f;
    for (int i = 0; i < 8; ++i) {
      f.bytes[i] = uint8_t(a >> (8 * i));
      f.bytes[8 + i] = uint8_t(b >> (8 * i));
    }
    return f;
  }

 private:
  void flush() {
    h1_ = mix64(h1_ ^ word_);
    h2_ = mix64((h2_ + 0x632be59bd9b4e019ULL) ^ (word_ * 0xff51afd7ed558ccdULL));
    word_ = 0;
    fill_ = 0;
  }
  uint64_t h1_ = 0x243f6a8885a308d3ULL, h2_ = 0x13198a2e03707344ULL, word_ = 0, total_ = 0;
  int fill_ = 0;
};

// ---- little-endian writing and bounded reading
// ---------------------------------------------------
void put_u8(std::string& s, uint8_t v) { s.push_back(static_cast<char>(v)); }
void put_le(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_f32(std::string& s, float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  put_le(s, u, 4);
}

class Reader {
 public:
  Reader(const std::string& b, const std::string& name) : b_(b), name_(name) {}
  const uint8_t* take(uint64_t len, const std::string& what) {
    if (len > b_.size() - pos_)
      throw Error(name_ + ": truncated file (" + what + " needs " + std::to_string(len) +
                  " bytes at offset " + std::to_string(pos_) + ", the file has " +
                  std::to_string(b_.size()) + ")");
    const auto* p = reinterpret_cast<const uint8_t*>(b_.data()) + pos_;
    pos_ += static_cast<size_t>(len);
    return p;
  }
  uint64_t le(int bytes, const std::string& what) {
    const uint8_t* p = take(static_cast<uint64_t>(bytes), what);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
  }
  float f32(const std::string& what) {
    const uint32_t u = static_cast<uint32_t>(le(4, what));
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }

 private:
  const std::string& b_;
  const std::string& name_;
  size_t pos_ = 0;
};

void check_sizes(int64_t n, int64_t k, const std::vector<int64_t>& shape, const std::string& name) {
  if (k < 1 || k > kMaxLatent)
    throw Error(name + ": latent size " + std::to_string(k) + " is out of range (1.." +
                std::to_string(kMaxLatent) + ")");
  if (n < 1) throw Error(name + ": sample count " + std::to_string(n) + " must be at least 1");
  if (n > kMaxValues / k)
    throw Error(name + ": " + std::to_string(n) + " samples x " + std::to_string(k) +
                " latent values exceed the limit of 2^31 values");
  if (shape.empty() || shape.size() > kMaxRank)
    throw Error(name + ": sample shape rank " + std::to_string(shape.size()) +
                " is out of range (1..4)");
  int64_t prod = 1;
  for (int64_t d : shape) {
    if (d < 1 || d > kMaxSampleValues || prod > kMaxSampleValues / d)
      throw Error(name + ": impossible sample shape (a dimension is " + std::to_string(d) +
                  "; the product must be 1..2^26)");
    prod *= d;
  }
}

// Scale and zero point of one latent dimension with values in [lo, hi]. The scale is kept at
// least max|value| * 2^-16 so that the float32 zero point stays small enough to be exact to
// ~1% of a step.
void int8_params(float lo, float hi, float& scale, float& zp) {
  const float maxabs = std::max(std::fabs(lo), std::fabs(hi));
  scale = (hi - lo) / 255.0f;
  scale = std::max({scale, maxabs * 0x1.0p-16f, 1e-30f});
  zp = -128.0f - lo / scale;
}

}  // namespace

// ---- names
// ---------------------------------------------------------------------------------------
const char* dtype_name(LatentDtype d) {
  switch (d) {
    case LatentDtype::F32: return "f32";
    case LatentDtype::F16: return "f16";
    case LatentDtype::Int8: return "int8";
  }
  return "?";
}

LatentDtype parse_latent_dtype(const std::string& s, const std::string& flag) {
  if (s == "f32") return LatentDtype::F32;
  if (s == "f16") return LatentDtype::F16;
  if (s == "int8") return LatentDtype::Int8;
  throw UsageError(flag + " must be f32, f16 or int8, got '" + s + "'");
}

int dtype_bytes(LatentDtype d) { return d == LatentDtype::F32 ? 4 : d == LatentDtype::F16 ? 2 : 1; }

std::string Fingerprint::hex() const {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

Fingerprint model_fingerprint(const nlohmann::json& model_config, const nn::Module& module) {
  Hasher h;
  h.add_str(model_config.dump());
  for (const auto& [name, t] : module.named_state()) {
    h.add_str(name);
    h.add_u64(t.shape().size());
    for (int64_t d : t.shape()) h.add_u64(static_cast<uint64_t>(d));
    const std::vector<float> v = t.to_vector();
    h.add(v.data(), v.size() * sizeof(float));
  }
  return h.finish();
}

Fingerprint fingerprint_of_bytes(const std::string& bytes) {
  Hasher h;
  h.add(bytes.data(), bytes.size());
  return h.finish();
}

// ---- binary16
// ------------------------------------------------------------------------------------
uint16_t f32_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t exp = (x >> 23) & 0xff, mant = x & 0x7fffff;
  if (exp == 0xff) {  // infinity or NaN (kept NaN: quiet bit set)
    if (mant == 0) return sign | 0x7c00;
    return static_cast<uint16_t>(sign | 0x7e00 | (mant >> 13));
  }
  const int e = static_cast<int>(exp) - 127;
  if (e > 15) return sign | 0x7c00;  // too large: infinity
  if (e >= -14) {                    // a normal half (rounding may carry into the exponent)
    uint32_t h = (static_cast<uint32_t>(e + 15) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;  // carry to 0x7c00 = infinity is right
    return static_cast<uint16_t>(sign | h);
  }
  if (e < -25) return sign;  // below half the smallest subnormal (also f32 zeros and subnormals)
  // A half subnormal: units of 2^-24. The value is m * 2^(e-23) = (m >> shift) units.
  const uint32_t m = mant | 0x800000;
  const int shift = -(e + 1);  // 14..24
  uint32_t q = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;  // may become 0x400, the smallest normal
  return static_cast<uint16_t>(sign | q);
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t x;
  if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {
      const float v = std::ldexp(static_cast<float>(mant), -24);
      std::memcpy(&x, &v, 4);
      x |= sign;
    }
  } else if (exp == 31) {
    x = sign | 0x7f800000 | (mant << 13);
  } else {
    x = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

// ---- writing
// -------------------------------------------------------------------------------------
std::string encode_hgz(const std::vector<float>& codes, int64_t n, int64_t k,
                       const std::vector<int64_t>& sample_shape, LatentDtype dtype, Coding coding,
                       const Fingerprint& fingerprint) {
  check_sizes(n, k, sample_shape, "encode_hgz");
  if (codes.size() != static_cast<size_t>(n * k))
    throw Error("encode_hgz: " + std::to_string(codes.size()) +
                " codes, expected n*k = " + std::to_string(n * k));
  for (size_t i = 0; i < codes.size(); ++i)
    if (!std::isfinite(codes[i]))
      throw Error("encode_hgz: latent value " + std::to_string(i % k) + " of sample " +
                  std::to_string(i / k) + " is not finite");

  std::string s;
  s.append(kMagic, 4);
  put_le(s, kHgzVersion, 2);
  put_u8(s, static_cast<uint8_t>(dtype));
  put_u8(s, static_cast<uint8_t>(coding));
  s.append(reinterpret_cast<const char*>(fingerprint.bytes.data()), 16);
  put_le(s, static_cast<uint64_t>(k), 4);
  put_le(s, static_cast<uint64_t>(n), 8);
  put_u8(s, static_cast<uint8_t>(sample_shape.size()));
  put_le(s, 0, 3);
  for (int64_t d : sample_shape) put_le(s, static_cast<uint64_t>(d), 8);

  // The code bytes, row-major.
  std::string raw;
  raw.reserve(codes.size() * static_cast<size_t>(dtype_bytes(dtype)));
  if (dtype == LatentDtype::F32) {
    for (float v : codes) put_f32(raw, v);
  } else if (dtype == LatentDtype::F16) {
    for (float v : codes) put_le(raw, f32_to_f16(v), 2);
  } else {
    std::vector<float> scale(static_cast<size_t>(k)), zp(static_cast<size_t>(k));
    for (int64_t j = 0; j < k; ++j) {
      float lo = codes[j], hi = codes[j];
      for (int64_t i = 1; i < n; ++i) {
        lo = std::min(lo, codes[i * k + j]);
        hi = std::max(hi, codes[i * k + j]);
      }
      int8_params(lo, hi, scale[j], zp[j]);
      put_f32(s, scale[j]);
      put_f32(s, zp[j]);
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j) {
        const float q = std::nearbyint(codes[i * k + j] / scale[j] + zp[j]);
        const int qi = static_cast<int>(std::clamp(q, -128.0f, 127.0f));
        put_u8(raw, static_cast<uint8_t>(static_cast<int8_t>(qi)));
      }
  }

  std::string payload;
  if (coding == Coding::Zlib) {
    uLongf len = compressBound(static_cast<uLong>(raw.size()));
    payload.resize(len);
    if (compress2(reinterpret_cast<Bytef*>(payload.data()), &len,
                  reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                  Z_BEST_COMPRESSION) != Z_OK)
      throw Error("encode_hgz: zlib failed to compress the codes");
    payload.resize(len);
  } else {
    payload = std::move(raw);
  }
  put_le(s, payload.size(), 8);
  s += payload;
  const uLong crc =
      crc32_z(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()), s.size());
  put_le(s, static_cast<uint32_t>(crc), 4);
  return s;
}

// ---- reading
// -------------------------------------------------------------------------------------
namespace {

// Magic, version, dtype, coding, fingerprint, sizes, sample shape and the int8 parameters, each
// checked as it is read.
HgzFile read_header(Reader& r, const std::string& name) {
  const uint8_t* magic = r.take(4, "the magic");
  if (std::memcmp(magic, kMagic, 4) != 0)
    throw Error(name + ": not an .hgz file (bad magic; expected \"HGZ1\")");
  const uint64_t version = r.le(2, "the version");
  if (version != kHgzVersion)
    throw Error(name + ": unsupported .hgz format version " + std::to_string(version) +
                " (this build reads version " + std::to_string(kHgzVersion) + ")");
  HgzFile f;
  const uint64_t dt = r.le(1, "the dtype"), cd = r.le(1, "the coding");
  if (dt > 2) throw Error(name + ": unknown latent dtype code " + std::to_string(dt));
  if (cd > 1) throw Error(name + ": unknown coding code " + std::to_string(cd));
  f.dtype = static_cast<LatentDtype>(dt);
  f.coding = static_cast<Coding>(cd);
  std::memcpy(f.fingerprint.bytes.data(), r.take(16, "the model fingerprint"), 16);
  const uint64_t k = r.le(4, "the latent size"), n = r.le(8, "the sample count");
  if (k < 1 || k > static_cast<uint64_t>(kMaxLatent))
    throw Error(name + ": latent size " + std::to_string(k) + " is out of range (1.." +
                std::to_string(kMaxLatent) + ")");
  if (n < 1 || n > static_cast<uint64_t>(kMaxValues) / k)
    throw Error(name + ": impossible sample count " + std::to_string(n) + " for latent size " +
                std::to_string(k) + " (n*k must be 1..2^31)");
  f.k = static_cast<int64_t>(k);
  f.n = static_cast<int64_t>(n);
  const uint64_t rank = r.le(1, "the sample rank");
  if (rank < 1 || rank > kMaxRank)
    throw Error(name + ": sample shape rank " + std::to_string(rank) + " is out of range (1..4)");
  if (r.le(3, "the reserved bytes") != 0)
    throw Error(name + ": reserved header bytes are not zero");
  for (uint64_t i = 0; i < rank; ++i) {
    const uint64_t d = r.le(8, "the sample shape");
    if (d < 1 || d > static_cast<uint64_t>(kMaxSampleValues))
      throw Error(name + ": impossible sample dimension " + std::to_string(d));
    f.sample_shape.push_back(static_cast<int64_t>(d));
  }
  check_sizes(f.n, f.k, f.sample_shape, name);
  if (f.dtype == LatentDtype::Int8) {
    // Bounded by k <= 2^20 and checked against the bytes left before anything is allocated.
    if (8 * k > r.left()) r.take(8 * k, "the int8 scales and zero points");
    f.scale.resize(k);
    f.zero_point.resize(k);
    for (uint64_t j = 0; j < k; ++j) {
      f.scale[j] = r.f32("a scale");
      f.zero_point[j] = r.f32("a zero point");
    }
  }
  return f;
}

struct Payload {
  size_t at = 0;     // offset in the file
  uint64_t len = 0;  // stored bytes (deflated when zlib)
};

// The payload's place, after checking that exactly it and the CRC follow the header, the CRC,
// the fingerprint against `expect`, and then the int8 parameters.
Payload check_payload(Reader& r, const std::string& bytes, const HgzFile& f,
                      const std::string& name, const Fingerprint* expect,
                      const std::string& expect_what) {
  const uint64_t plen = r.le(8, "the payload length");
  const uint64_t left = r.left();
  if (left < 4 || plen > left - 4)
    throw Error(name + ": truncated file (the payload of " + std::to_string(plen) +
                " bytes and its CRC need " +
                (plen > UINT64_MAX - 4 ? std::string("more") : std::to_string(plen + 4)) +
                " bytes, " + std::to_string(left) + " are left)");
  if (plen < left - 4)
    throw Error(name + ": " + std::to_string(left - 4 - plen) +
                " unexpected bytes after the payload");
  const size_t payload_at = r.pos();
  r.take(plen, "the payload");
  const uint32_t stored_crc = static_cast<uint32_t>(r.le(4, "the CRC"));
  const uint32_t crc = static_cast<uint32_t>(crc32_z(
      crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size() - 4));
  if (crc != stored_crc) throw Error(name + ": CRC mismatch (the file is corrupt)");
  if (expect && !(*expect == f.fingerprint))
    throw Error(name + ": made by another model (fingerprint " + f.fingerprint.hex() + ", but " +
                (expect_what.empty() ? std::string("the model") : expect_what) + " has " +
                expect->hex() + ")");

  // Quantisation parameters (after the CRC, so a flipped bit reads as corruption first).
  for (size_t j = 0; j < f.scale.size(); ++j)
    if (!std::isfinite(f.scale[j]) || !(f.scale[j] > 0) || !std::isfinite(f.zero_point[j]))
      throw Error(name + ": bad int8 quantisation parameters for latent dimension " +
                  std::to_string(j));
  return {payload_at, plen};
}

// The code bytes: the payload itself, or inflated into `inflated` (which the result points into).
const uint8_t* payload_codes(const std::string& bytes, const Payload& p, const HgzFile& f,
                             const std::string& name, std::string& inflated) {
  const uint64_t k = static_cast<uint64_t>(f.k), n = static_cast<uint64_t>(f.n), plen = p.len;
  const size_t values = static_cast<size_t>(n * k);
  const size_t raw_len = values * static_cast<size_t>(dtype_bytes(f.dtype));
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(bytes.data()) + p.at;
  if (f.coding == Coding::Raw) {
    if (plen != raw_len)
      throw Error(name + ": payload is " + std::to_string(plen) + " bytes, expected " +
                  std::to_string(raw_len) + " for " + std::to_string(n) + " x " +
                  std::to_string(k) + " " + dtype_name(f.dtype) + " values");
  } else {
    // Deflate cannot shrink data by more than about 1032:1, so a claim beyond that is a lie that
    // must not turn into a huge allocation.
    if (raw_len / 1100 > plen)
      throw Error(name + ": a zlib payload of " + std::to_string(plen) + " bytes cannot hold " +
                  std::to_string(raw_len) + " bytes of codes");
    inflated.resize(raw_len);
    uLongf dest = static_cast<uLongf>(raw_len);
    uLong src = static_cast<uLong>(plen);
    const int rc = uncompress2(reinterpret_cast<Bytef*>(inflated.data()), &dest, raw, &src);
    if (rc != Z_OK || dest != raw_len || src != plen)
      throw Error(name + ": the zlib payload does not inflate to exactly " +
                  std::to_string(raw_len) + " bytes");
    raw = reinterpret_cast<const uint8_t*>(inflated.data());
  }
  return raw;
}

// f.codes from the code bytes in f's dtype; every value must be finite.
void decode_codes(HgzFile& f, const uint8_t* raw, const std::string& name) {
  const uint64_t k = static_cast<uint64_t>(f.k), n = static_cast<uint64_t>(f.n);
  const size_t values = static_cast<size_t>(n * k);
  f.codes.resize(values);
  for (size_t i = 0; i < values; ++i) {
    float v;
    if (f.dtype == LatentDtype::F32) {
      const uint32_t u = uint32_t(raw[4 * i]) | uint32_t(raw[4 * i + 1]) << 8 |
                         uint32_t(raw[4 * i + 2]) << 16 | uint32_t(raw[4 * i + 3]) << 24;
      std::memcpy(&v, &u, 4);
    } else if (f.dtype == LatentDtype::F16) {
      v = f16_to_f32(static_cast<uint16_t>(raw[2 * i] | raw[2 * i + 1] << 8));
    } else {
      const size_t j = i % k;
      v = (static_cast<float>(static_cast<int8_t>(raw[i])) - f.zero_point[j]) * f.scale[j];
    }
    if (!std::isfinite(v))
      throw Error(name + ": latent value " + std::to_string(i % k) + " of sample " +
                  std::to_string(i / k) + " is not finite");
    f.codes[i] = v;
  }
}

}  // namespace

HgzFile decode_hgz(const std::string& bytes, const std::string& name, const Fingerprint* expect,
                   const std::string& expect_what) {
  Reader r(bytes, name);
  HgzFile f = read_header(r, name);
  const Payload p = check_payload(r, bytes, f, name, expect, expect_what);
  std::string inflated;
  const uint8_t* raw = payload_codes(bytes, p, f, name, inflated);
  decode_codes(f, raw, name);
  return f;
}

HgzFile read_hgz(const std::string& path, const Fingerprint* expect,
                 const std::string& expect_what) {
  return decode_hgz(io::read_file(path), path, expect, expect_what);
}

}  // namespace hg::compress
