// The .hgz container: round trips for each latent dtype and coding, binary16 conversion against
// known bit patterns, the reader's one-line errors, and a bounded fuzz loop over damaged files.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <zlib.h>

#include "apps/compress/hgz_format.h"
#include "engine/util/error.h"

namespace hg::compress {
namespace {

unsigned long hgz_test_crc(const std::string& s) {
  return crc32_z(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()), s.size());
}

Fingerprint fp(const std::string& s) { return fingerprint_of_bytes(s); }

std::vector<float> random_codes(int64_t n, int64_t k, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> z(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      z[i * k + j] = nd(g) * (1 + j) + 0.5f * j;  // dims of different ranges
  return z;
}

float bits_to_f32(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void expect_error(const std::string& bytes, const std::string& needle,
                  const Fingerprint* expect = nullptr) {
  try {
    decode_hgz(bytes, "x.hgz", expect, "the run r");
    FAIL() << "no error, expected '" << needle << "'";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("x.hgz: ", 0), 0u) << m;
    EXPECT_NE(m.find(needle), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(Hgz, F32RoundTripIsExact) {
  const auto z = random_codes(37, 5, 1);
  for (Coding c : {Coding::Raw, Coding::Zlib}) {
    const std::string b = encode_hgz(z, 37, 5, {1, 8, 8}, LatentDtype::F32, c, fp("m"));
    const HgzFile f = decode_hgz(b, "x.hgz");
    EXPECT_EQ(f.n, 37);
    EXPECT_EQ(f.k, 5);
    EXPECT_EQ(f.sample_shape, (std::vector<int64_t>{1, 8, 8}));
    EXPECT_EQ(f.dtype, LatentDtype::F32);
    EXPECT_EQ(f.coding, c);
    EXPECT_EQ(f.fingerprint, fp("m"));
    EXPECT_EQ(f.codes, z);
  }
}

TEST(Hgz, F16RoundTripWithinHalfPrecisionRounding) {
  const auto z = random_codes(50, 7, 2);
  const std::string b = encode_hgz(z, 50, 7, {49}, LatentDtype::F16, Coding::Raw, fp("m"));
  const HgzFile f = decode_hgz(b, "x.hgz");
  ASSERT_EQ(f.codes.size(), z.size());
  for (size_t i = 0; i < z.size(); ++i) {
    // Relative rounding error of binary16 is at most 2^-11 for normal values.
    EXPECT_LE(std::fabs(f.codes[i] - z[i]), std::fabs(z[i]) * 0x1.0p-11f + 0x1.0p-25f) << i;
  }
  // Raw f16 payload: 2 bytes per value.
  EXPECT_EQ(b.size(), 40 + 8 + 8 + 50 * 7 * 2 + 4);
}

TEST(Hgz, Int8RoundTripWithinHalfAStep) {
  const int64_t n = 200, k = 6;
  auto z = random_codes(n, k, 3);
  for (int64_t i = 0; i < n; ++i) z[i * k + 5] = 3.25f;  // a constant dimension
  for (Coding c : {Coding::Raw, Coding::Zlib}) {
    const std::string b = encode_hgz(z, n, k, {1, 4, 4}, LatentDtype::Int8, c, fp("m"));
    const HgzFile f = decode_hgz(b, "x.hgz");
    ASSERT_EQ(f.scale.size(), static_cast<size_t>(k));
    for (int64_t j = 0; j < k; ++j) {
      ASSERT_GT(f.scale[j], 0.0f);
      for (int64_t i = 0; i < n; ++i)
        EXPECT_LE(std::fabs(f.codes[i * k + j] - z[i * k + j]), f.scale[j] * 0.51f)
            << i << "," << j;
    }
  }
}

TEST(Hgz, F16KnownBitPatterns) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);  // largest finite half
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // rounds up to infinity (tie to even)
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(0x1.0p-14f), 0x0400);         // smallest normal, 6.1035e-5
  EXPECT_EQ(f32_to_f16(6.1e-5f), 0x03ff);            // just below it: the largest subnormal
  EXPECT_EQ(f32_to_f16(0x1.0p-24f), 0x0001);         // smallest subnormal
  EXPECT_EQ(f32_to_f16(0x1.0p-25f), 0x0000);         // exactly half of it: tie to even (0)
  EXPECT_EQ(f32_to_f16(0x1.8p-25f), 0x0001);         // above half: rounds up
  EXPECT_EQ(f32_to_f16(0x1.8p-24f), 0x0002);         // 1.5 units: tie to even (2)
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.0p-11f), 0x3c00);  // tie between 1 and 1+2^-10: even
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.8p-11f), 0x3c01);
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.8p-10f), 0x3c02);  // tie, odd below: up to even
  EXPECT_EQ(f32_to_f16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(f32_to_f16(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(f32_to_f16(1e10f), 0x7c00);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(0.0f), 0x0000);
  EXPECT_EQ(f32_to_f16(1e-30f), 0x0000);
  const uint16_t nan = f32_to_f16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0);
  EXPECT_NE(f32_to_f16(bits_to_f32(0x7f800001)) & 0x03ff, 0);  // a signalling NaN stays NaN

  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0400), 0x1.0p-14f);
  EXPECT_EQ(f16_to_f32(0x03ff), 0x1.ff8p-15f);
  EXPECT_EQ(f16_to_f32(0x0001), 0x1.0p-24f);
  EXPECT_TRUE(std::isinf(f16_to_f32(0x7c00)) && f16_to_f32(0x7c00) > 0);
  EXPECT_TRUE(std::isinf(f16_to_f32(0xfc00)) && f16_to_f32(0xfc00) < 0);
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
  const float nz = f16_to_f32(0x8000);
  EXPECT_EQ(nz, 0.0f);
  EXPECT_TRUE(std::signbit(nz));
  // Every finite half survives half -> float -> half.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    ASSERT_EQ(f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))), h) << std::hex << h;
  }
}

TEST(Hgz, ReaderErrorsNameTheFile) {
  const auto z = random_codes(10, 4, 4);
  const std::string good =
      encode_hgz(z, 10, 4, {1, 2, 2}, LatentDtype::F16, Coding::Raw, fp("model a"));
  expect_error(good.substr(0, 3), "truncated");
  expect_error(good.substr(0, good.size() - 1), "truncated");
  expect_error(good.substr(0, 30), "truncated");
  expect_error(good + "x", "unexpected bytes");
  std::string bad = good;
  bad[0] = 'J';
  expect_error(bad, "bad magic");
  bad = good;
  bad[4] = 2;
  expect_error(bad, "version 2");
  bad = good;
  bad[6] = 9;
  expect_error(bad, "unknown latent dtype");
  bad = good;
  bad[100] ^= 0x10;  // a payload bit
  expect_error(bad, "CRC mismatch");
  bad = good;
  bad[28] = 0;  // n = 0
  expect_error(bad, "sample count");
  bad = good;
  for (int i = 28; i < 36; ++i) bad[i] = '\xff';  // n = 2^64 - 1: n * k would overflow
  expect_error(bad, "impossible sample count");
  const Fingerprint other = fp("model b");
  expect_error(good, "made by another model", &other);
  const Fingerprint same = fp("model a");
  EXPECT_NO_THROW(decode_hgz(good, "x.hgz", &same));
  EXPECT_THROW(encode_hgz({1.0f, NAN}, 1, 2, {2}, LatentDtype::F32, Coding::Raw, same), Error);
  EXPECT_THROW(encode_hgz({1.0f}, 1, 2, {2}, LatentDtype::F32, Coding::Raw, same), Error);
}

TEST(Hgz, FingerprintDependsOnEveryByte) {
  EXPECT_EQ(fp("abc"), fp("abc"));
  EXPECT_NE(fp("abc"), fp("abd"));
  EXPECT_NE(fp("abc"), fp(std::string("abc\0", 4)));
  EXPECT_NE(fp(""), fp(std::string(1, '\0')));
  EXPECT_EQ(fp("x").hex().size(), 32u);
}

// Damaged files: every mutation either decodes or throws hg::Error, quickly, with a bounded
// allocation (the reader caps n*k and checks lengths against the bytes present).
TEST(Hgz, FuzzedFilesDecodeOrThrow) {
  std::vector<std::string> seeds;
  for (LatentDtype d : {LatentDtype::F32, LatentDtype::F16, LatentDtype::Int8})
    for (Coding c : {Coding::Raw, Coding::Zlib})
      seeds.push_back(encode_hgz(random_codes(9, 3, 5), 9, 3, {1, 3, 3}, d, c, fp("m")));
  std::mt19937_64 g(20240601);
  const auto t0 = std::chrono::steady_clock::now();
  int ok = 0, errors = 0;
  for (int it = 0; it < 3000; ++it) {
    std::string b = seeds[g() % seeds.size()];
    const int op = static_cast<int>(g() % 4);
    if (op == 0) {  // flip random bytes
      const int flips = 1 + static_cast<int>(g() % 4);
      for (int f = 0; f < flips; ++f) b[g() % b.size()] = static_cast<char>(g());
    } else if (op == 1) {  // truncate
      b.resize(g() % b.size());
    } else if (op == 2) {  // extend
      const size_t extra = 1 + g() % 64;
      for (size_t e = 0; e < extra; ++e) b.push_back(static_cast<char>(g()));
    } else {  // flip a header byte, then fix the CRC so the field checks themselves are reached
      b[g() % std::min<size_t>(b.size(), 64)] = static_cast<char>(g());
      if (b.size() >= 4) {
        const std::string body = b.substr(0, b.size() - 4);
        const unsigned long crc = hgz_test_crc(body);
        for (int i = 0; i < 4; ++i)
          b[b.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
      }
    }
    try {
      const HgzFile f = decode_hgz(b, "x.hgz");
      ASSERT_EQ(f.codes.size(), static_cast<size_t>(f.n * f.k));
      ASSERT_LE(f.codes.size(),
                b.size() * 1100);  // no value appears from nowhere (zlib max ratio ~1032)
      ++ok;
    } catch (const Error& e) {
      ASSERT_EQ(std::string(e.what()).rfind("x.hgz: ", 0), 0u) << e.what();
      ++errors;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 20.0);
  EXPECT_GT(errors, 2000);
  RecordProperty("decoded", ok);
}

}  // namespace
}  // namespace hg::compress
