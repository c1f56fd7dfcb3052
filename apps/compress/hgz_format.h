// The .hgz container: the latent codes of n samples made by one trained autoencoder, so that the
// samples can be rebuilt later by that model's decoder (and by no other). docs/hgz.md has the
// same layout with the reasoning behind it.
//
// Layout (all integers little-endian, fixed width; offsets in bytes):
//
//   off  size   field
//   0    4      magic "HGZ1"
//   4    2      u16 format version (1)
//   6    1      u8  latent dtype: 0 = f32, 1 = f16 (IEEE binary16), 2 = int8 (affine, per
//   dimension) 7    1      u8  coding: 0 = raw code bytes, 1 = zlib-deflated code bytes 8    16
//   model fingerprint (model_fingerprint below) 24   4      u32 k, latent size (1 .. 2^20) 28   8
//   u64 n, number of samples (1 .. ; n * k <= 2^31) 36   1      u8  rank of the sample shape (1 ..
//   4) 37   3      zero (reserved; a reader rejects anything else) 40   8*rank u64 dims of one
//   sample, e.g. 1 28 28 (each >= 1, product <= 2^26)
//   ..   8*k    int8 only: per latent dimension j, f32 scale[j] then f32 zero_point[j]
//   ..   8      u64 payload length P in bytes
//   ..   P      payload: the n x k codes row-major, one value per dtype (f32: 4 bytes, f16: 2,
//               int8: 1 signed byte), raw or as one zlib stream of exactly n*k*size bytes
//   end-4 4     u32 CRC-32 (zlib's crc32) of every byte before it
//
// int8 values decode as (q - zero_point[j]) * scale[j]; the writer picks scale = (max - min) / 255
// and zero_point = -128 - min / scale for each dimension, so the error is at most scale / 2.
//
// The reader checks every field and length before it uses it and throws hg::Error
// "<name>: <what is wrong>" (one line): truncated or trailing bytes, bad magic, unsupported
// version, unknown dtype or coding, impossible sizes (multiplications are checked; n*k is capped
// at 2^31 values), bad quantisation parameters, a CRC mismatch, a payload that does not inflate
// to exactly n*k values, and (when asked) a fingerprint that differs from the model's.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hg::nn {
class Module;
}

namespace hg::compress {

enum class LatentDtype : uint8_t { F32 = 0, F16 = 1, Int8 = 2 };
enum class Coding : uint8_t { Raw = 0, Zlib = 1 };

// "f32" | "f16" | "int8"; parse_latent_dtype throws hg::UsageError naming `flag` otherwise.
const char* dtype_name(LatentDtype d);
LatentDtype parse_latent_dtype(const std::string& s, const std::string& flag);
int dtype_bytes(LatentDtype d);

inline constexpr uint16_t kHgzVersion = 1;
inline constexpr int64_t kMaxLatent = int64_t(1) << 20;
inline constexpr int64_t kMaxValues = int64_t(1) << 31;        // n * k
inline constexpr int64_t kMaxSampleValues = int64_t(1) << 26;  // product of the sample shape

struct Fingerprint {
  std::array<uint8_t, 16> bytes{};
  std::string hex() const;
  bool operator==(const Fingerprint&) const = default;
};

// Two 64-bit splitmix64-style hashes (different seeds) over the model config serialised
// canonically (nlohmann's dump(): keys sorted, no spaces) followed by every tensor of
// module.named_state() in order: its name, its shape and its float32 bytes.
Fingerprint model_fingerprint(const nlohmann::json& model_config, const nn::Module& module);
// The same hash over arbitrary bytes (tests).
Fingerprint fingerprint_of_bytes(const std::string& bytes);

struct HgzFile {
  LatentDtype dtype = LatentDtype::F16;
  Coding coding = Coding::Raw;
  Fingerprint fingerprint;
  int64_t k = 0, n = 0;
  std::vector<int64_t> sample_shape;
  std::vector<float> scale, zero_point;  // int8 only, k each
  std::vector<float> codes;              // n * k, decoded to float32
};

// The file bytes for `codes` ([n, k] row-major float32, all finite). Error on bad arguments
// (sizes out of range, a NaN or infinity among the codes).
std::string encode_hgz(const std::vector<float>& codes, int64_t n, int64_t k,
                       const std::vector<int64_t>& sample_shape, LatentDtype dtype, Coding coding,
                       const Fingerprint& fingerprint);

// Parses and validates `bytes`; `name` starts every error. With `expect`, a different fingerprint
// is an error saying the file was made by another model than `expect_what` (e.g. the run folder).
HgzFile decode_hgz(const std::string& bytes, const std::string& name,
                   const Fingerprint* expect = nullptr, const std::string& expect_what = "");
// io::read_file + decode_hgz, naming the path.
HgzFile read_hgz(const std::string& path, const Fingerprint* expect = nullptr,
                 const std::string& expect_what = "");

// IEEE 754 binary16 <-> binary32. f32_to_f16 rounds to nearest, ties to even; overflow gives
// infinity, NaN stays NaN (quiet, sign kept), subnormals are produced and read exactly.
uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);

}  // namespace hg::compress
