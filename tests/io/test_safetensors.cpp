#include "engine/io/safetensors.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"
#include "engine/util/error.h"
#include "tests/io/tmp_dir.h"

namespace hg::io {
namespace {

using Safetensors = hg::test::TmpDirTest;

std::string u64le(uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return s;
}

std::string f32_bytes(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), std::data(v), s.size());
  return s;
}

// A file with the given raw header text (padded to 8) and data buffer.
std::string make_file(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  return u64le(header.size()) + header + data;
}

TEST_F(Safetensors, RoundTripSeveralTensorsAndMetadata) {
  const std::vector<float> w = {1.f, -2.5f, 3.25f, 1e-30f, -0.f, 3e38f};
  const float scalar = 42.f;
  const std::vector<float> b = {0.5f, 0.25f};
  const std::string p = path("m.safetensors");
  save_safetensors(p,
                   {{"layer.weight", {2, 3}, w.data()},
                    {"scale", {}, &scalar},
                    {"empty", {0, 4}, nullptr},
                    {"alpha.bias", {2}, b.data()}},
                   {{"format", "pt"}, {"epoch", "7"}});
  std::map<std::string, std::string> meta;
  const auto t = load_safetensors(p, &meta);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(meta, (std::map<std::string, std::string>{{"format", "pt"}, {"epoch", "7"}}));
  // sorted by name
  EXPECT_EQ(t[0].name, "alpha.bias");
  EXPECT_EQ(t[1].name, "empty");
  EXPECT_EQ(t[2].name, "layer.weight");
  EXPECT_EQ(t[3].name, "scale");
  EXPECT_EQ(t[0].data, b);
  EXPECT_EQ(t[1].shape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(t[1].data.empty());
  EXPECT_EQ(t[2].shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(t[2].data.size(), 6u);
  EXPECT_EQ(0, std::memcmp(t[2].data.data(), w.data(), 6 * sizeof(float)));  // bit for bit
  EXPECT_TRUE(t[3].shape.empty());
  EXPECT_EQ(t[3].data, std::vector<float>{42.f});
}

TEST_F(Safetensors, EmptyFileAndNoMetadata) {
  const std::string p = path("e.safetensors");
  save_safetensors(p, {});
  std::map<std::string, std::string> meta;
  EXPECT_TRUE(load_safetensors(p, &meta).empty());
  EXPECT_TRUE(meta.empty());
  // The only metadata is the checksum of the (empty) data buffer, which load hides.
  EXPECT_EQ(read_file(p),
            u64le(48) + R"({"__metadata__":{"hourglass_crc32":"00000000"}})" + std::string(1, ' '));
}

TEST_F(Safetensors, ByteLayoutMatchesHandConstructedFile) {
  const std::string p = path("tiny.safetensors");
  const std::vector<float> a = {1.f, 2.f};
  const float b = -1.f;
  save_safetensors(p, {{"b", {}, &b}, {"a", {2}, a.data()}}, {{"k", "v"}});
  const std::string header = R"({"__metadata__":{"hourglass_crc32":"54f6ae72","k":"v"},)"
                             R"("a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
                             R"("b":{"data_offsets":[8,12],"dtype":"F32","shape":[]}})";
  ASSERT_EQ(header.size(), 161u);  // padded with 7 spaces to 168
  const std::string expected =
      u64le(168) + header + std::string(7, ' ') + f32_bytes({1.f, 2.f, -1.f});
  const std::string got = read_file(p);
  EXPECT_EQ(got.size(), 8u + 168u + 12u);
  EXPECT_EQ(got, expected);
  // and the raw layout bytes for 1.0f are the IEEE pattern 0x3F800000 little-endian
  EXPECT_EQ(got.substr(176, 4), std::string("\x00\x00\x80\x3f", 4));
}

TEST_F(Safetensors, ReadsForeignFileWithGapsAndUnsortedOffsets) {
  // Offsets not in name order, header with whitespace, extra fields: still valid.
  const std::string p = path("foreign.safetensors");
  const std::string header =
      R"({ "z": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
           "a": {"dtype": "F32", "shape": [1, 1], "data_offsets": [4, 8]} })";
  write_file_atomic(p, make_file(header, f32_bytes({7.f, 9.f})));
  const auto t = load_safetensors(p);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "a");
  EXPECT_EQ(t[0].data, std::vector<float>{9.f});
  EXPECT_EQ(t[1].data, std::vector<float>{7.f});
}

TEST_F(Safetensors, RefusesNonFiniteValuesAndDamagedData) {
  const std::string p = path("nan.safetensors");
  const std::vector<float> bad = {1.f, NAN};
  HG_EXPECT_ERROR(save_safetensors(p, {{"layer.bias", {2}, bad.data()}}), p, "layer.bias",
                  "non-finite value at element 1");
  EXPECT_FALSE(std::filesystem::exists(p));
  // A foreign file with an infinity: refused on load, naming the tensor.
  write_file_atomic(p, make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                 f32_bytes({0.f, INFINITY})));
  HG_EXPECT_ERROR(load_safetensors(p), p, "'w'", "non-finite");
  // One flipped bit in the data of a file we wrote: the checksum catches it.
  const std::string q = path("flip.safetensors");
  const std::vector<float> w = {1.f, 2.f, 3.f};
  save_safetensors(q, {{"w", {3}, w.data()}});
  std::string bytes = read_file(q);
  bytes[bytes.size() - 5] ^= 0x01;
  write_file_atomic(q, bytes);
  HG_EXPECT_ERROR(load_safetensors(q), q, "checksum");
}

// Damaged files of every kind (random bytes changed, truncated, extended): load either returns
// or throws hg::Error, never crashes, hangs or reads out of bounds; with the checksum, no damaged
// data buffer loads.
TEST_F(Safetensors, FuzzedFilesFailCleanly) {
  const std::string p = path("ok.safetensors"), q = path("fuzz.safetensors");
  std::vector<float> w(300), b(17);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(float(i));
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(i) / 7.f;
  save_safetensors(p, {{"w", {20, 15}, w.data()}, {"b", {17}, b.data()}}, {{"epoch", "3"}});
  const std::string good = read_file(p);
  uint64_t header_end = 0;
  for (int i = 0; i < 8; ++i)
    header_end |= uint64_t(static_cast<unsigned char>(good[i])) << (8 * i);
  header_end += 8;
  uint64_t state = 12345;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  int loaded = 0, refused = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string bytes = good;
    const int kind = trial % 4;
    if (kind == 0 || kind == 1) {  // flip 1-4 bytes anywhere (kind 1: in the data buffer)
      for (int k = 0, n = 1 + int(next() % 4); k < n; ++k) {
        const size_t lo = kind == 1 ? header_end : 0;
        bytes[lo + next() % (bytes.size() - lo)] ^= char(1 + next() % 255);
      }
    } else if (kind == 2) {
      bytes.resize(next() % bytes.size());
    } else {
      bytes += std::string(1 + next() % 64, char(next() % 256));
    }
    write_file_atomic(q, bytes);
    try {
      load_safetensors(q);
      ++loaded;
      EXPECT_NE(kind, 1) << "trial " << trial << ": damaged data loaded";
    } catch (const hg::Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 200);
}

TEST_F(Safetensors, OverwritesAtomically) {
  const std::string p = path("m.safetensors");
  const float x = 1.f, y = 2.f;
  save_safetensors(p, {{"x", {}, &x}});
  save_safetensors(p, {{"y", {}, &y}});
  const auto t = load_safetensors(p);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].name, "y");
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++n;
  EXPECT_EQ(n, 1);
}

TEST_F(Safetensors, RejectsBadInputsOnSave) {
  const float x = 1.f;
  const std::string p = path("bad.safetensors");
  HG_EXPECT_ERROR(save_safetensors(p, {{"x", {}, &x}, {"x", {}, &x}}), p, "duplicate");
  HG_EXPECT_ERROR(save_safetensors(p, {{"", {}, &x}}), p);
  HG_EXPECT_ERROR(save_safetensors(p, {{"__metadata__", {}, &x}}), p);
  HG_EXPECT_ERROR(save_safetensors(p, {{"x", {-1}, &x}}), p, "negative");
  HG_EXPECT_ERROR(save_safetensors(p, {{"x", {3}, nullptr}}), p, "no data");
  EXPECT_FALSE(std::filesystem::exists(p));
}

class SafetensorsCorrupt : public hg::test::TmpDirTest {
 protected:
  std::string write(const std::string& bytes) {
    const std::string p = path("c.safetensors");
    write_file_atomic(p, bytes);
    return p;
  }
  std::string good() {
    const std::string p = path("good.safetensors");
    const std::vector<float> a = {1.f, 2.f, 3.f};
    save_safetensors(p, {{"a", {3}, a.data()}});
    return read_file(p);
  }
};

TEST_F(SafetensorsCorrupt, TruncatedFile) {
  const std::string g = good();
  for (size_t keep : {size_t{0}, size_t{5}, size_t{20}, g.size() - 1}) {
    const std::string p = write(g.substr(0, keep));
    HG_EXPECT_ERROR(load_safetensors(p), p);
  }
}

TEST_F(SafetensorsCorrupt, HeaderLengthLargerThanFile) {
  std::string g = good();
  g.replace(0, 8, u64le(g.size()));
  const std::string p = write(g);
  HG_EXPECT_ERROR(load_safetensors(p), p, "header length");
  const std::string q = write(u64le(~uint64_t{0}) + "{}");
  HG_EXPECT_ERROR(load_safetensors(q), q, "header length");
}

TEST_F(SafetensorsCorrupt, BadJson) {
  const std::string p = write(make_file(R"({"a": {"dtype": "F32", )", ""));
  HG_EXPECT_ERROR(load_safetensors(p), p, "invalid JSON");
  const std::string q = write(make_file("[1, 2]", ""));
  HG_EXPECT_ERROR(load_safetensors(q), q, "not a JSON object");
}

TEST_F(SafetensorsCorrupt, OffsetsOutOfRange) {
  const std::string p = write(make_file(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", f32_bytes({1.f, 2.f})));
  HG_EXPECT_ERROR(load_safetensors(p), p, "'a'", "out of range");
}

TEST_F(SafetensorsCorrupt, SizeMismatchWithShape) {
  const std::string p = write(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                        f32_bytes({1.f, 2.f})));
  HG_EXPECT_ERROR(load_safetensors(p), p, "'a'", "needs 12");
  const std::string q = write(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",
                                        f32_bytes({1.f, 2.f})));
  HG_EXPECT_ERROR(load_safetensors(q), q, "'a'");
}

TEST_F(SafetensorsCorrupt, OverlappingTensors) {
  const std::string p = write(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                        f32_bytes({1.f, 2.f, 3.f})));
  HG_EXPECT_ERROR(load_safetensors(p), p, "overlapping");
}

TEST_F(SafetensorsCorrupt, WrongDtypeNamesTensorAndDtype) {
  const std::string p = write(make_file(
      R"({"enc.w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0')));
  HG_EXPECT_ERROR(load_safetensors(p), p, "enc.w", "F16");
}

TEST_F(SafetensorsCorrupt, MalformedEntries) {
  for (const char* h : {R"({"a":5})", R"({"a":{"shape":[1],"data_offsets":[0,4]}})",
                        R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})",
                        R"({"__metadata__":{"k":1}})", R"({"__metadata__":[]})"}) {
    const std::string p = write(make_file(h, f32_bytes({1.f})));
    HG_EXPECT_ERROR(load_safetensors(p), p);
  }
}

TEST_F(SafetensorsCorrupt, MissingFile) {
  const std::string p = path("nope.safetensors");
  HG_EXPECT_ERROR(load_safetensors(p), p, "cannot open");
}

}  // namespace
}  // namespace hg::io
