#include "engine/data/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <numeric>

#include "engine/util/error.h"
#include "tests/data/temp_dir.h"

namespace hg::data {
namespace {
using testing::expect_error;
using testing::TempDir;

std::string idx_header(uint8_t type, const std::vector<uint32_t>& dims) {
  std::string h = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<char>((d >> s) & 0xff));
  return h;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

TEST(Idx, RoundTripRaw) {
  TempDir dir;
  std::vector<uint8_t> data(2 * 3 * 4);
  std::iota(data.begin(), data.end(), uint8_t{7});
  const std::string path = dir.file("a.idx");
  write_idx_u8(path, {2, 3, 4}, data);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(std::filesystem::file_size(path), 4u + 3 * 4 + 24);
  const IdxArray a = read_idx(path);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(a.data, data);
}

TEST(Idx, HeaderIsBigEndian) {
  TempDir dir;
  const std::string path = dir.file("be.idx");
  write_idx_u8(path, {258}, std::vector<uint8_t>(258, 1));
  std::ifstream in(path, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  EXPECT_EQ(head, idx_header(0x08, {258}));
}

TEST(Idx, ReadsGzip) {
  TempDir dir;
  std::string payload;
  for (int i = 0; i < 5 * 6; ++i) payload.push_back(static_cast<char>(i * 8));
  const std::string path = dir.file("g.idx.gz");
  write_gz(path, idx_header(0x08, {5, 6}) + payload);
  const IdxArray a = read_idx(path);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{5, 6}));
  ASSERT_EQ(a.data.size(), 30u);
  EXPECT_EQ(a.data[29], 29 * 8);
}

TEST(Idx, TruncatedGzipPayload) {
  TempDir dir;
  const std::string path = dir.file("short.gz");
  write_gz(path, idx_header(0x08, {10, 10}) + std::string(60, 'x'));
  expect_error<Error>([&] { read_idx(path); },
                      {path, "truncated IDX file (expected 100 bytes of data, found 60)"});
}

TEST(Idx, WrongMagic) {
  TempDir dir;
  const std::string path = dir.write("bad.idx", "PK\x03\x04rest of a zip file");
  expect_error<Error>([&] { read_idx(path); }, {path, "magic"});
}

TEST(Idx, TruncatedPayload) {
  TempDir dir;
  const std::string path = dir.write("t.idx", idx_header(0x08, {4, 7}) + std::string(20, '\1'));
  expect_error<Error>([&] { read_idx(path); },
                      {path + ": truncated IDX file (expected 28 bytes of data, found 20)"});
}

TEST(Idx, TruncatedHeader) {
  TempDir dir;
  const std::string path = dir.write("h.idx", idx_header(0x08, {4, 7}).substr(0, 7));
  expect_error<Error>([&] { read_idx(path); }, {path, "truncated"});
}

TEST(Idx, TrailingBytes) {
  TempDir dir;
  const std::string path = dir.write("long.idx", idx_header(0x08, {3}) + "abcd");
  expect_error<Error>([&] { read_idx(path); }, {path, "trailing"});
}

TEST(Idx, WrongTypeByte) {
  TempDir dir;
  // 0x0D is float32: valid IDX, but not a type we read.
  const std::string path = dir.write("f.idx", idx_header(0x0D, {2}) + std::string(8, '\0'));
  expect_error<Error>([&] { read_idx(path); }, {path, "0x0d", "unsupported"});
}

TEST(Idx, ZeroDimension) {
  TempDir dir;
  const std::string path = dir.write("z.idx", idx_header(0x08, {3, 0}));
  expect_error<Error>([&] { read_idx(path); }, {path, "dimension 1 is 0"});
}

TEST(Idx, MissingFile) {
  TempDir dir;
  const std::string path = dir.file("nope.idx");
  expect_error<Error>([&] { read_idx(path); }, {path + ": cannot open: No such file or directory"});
}

TEST(Idx, WriteRejectsSizeMismatch) {
  TempDir dir;
  const std::string path = dir.file("w.idx");
  expect_error<Error>([&] { write_idx_u8(path, {2, 2}, {1, 2, 3}); }, {path});
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Idx, LoadPair) {
  TempDir dir;
  std::vector<uint8_t> pixels = {0, 255, 51, 102, 0, 0, 0, 255};  // 2 images of 2x2
  write_idx_u8(dir.file("img"), {2, 2, 2}, pixels);
  write_idx_u8(dir.file("lab"), {2}, {3, 9});
  const Dataset d = load_idx_pair(dir.file("img"), dir.file("lab"), "tiny/train");
  EXPECT_EQ(d.name, "tiny/train");
  EXPECT_EQ(d.n, 2);
  EXPECT_EQ(d.sample_shape, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EQ(d.features(), 4);
  ASSERT_EQ(d.x.size(), 8u);
  EXPECT_FLOAT_EQ(d.x[1], 1.0f);
  EXPECT_FLOAT_EQ(d.x[2], 0.2f);
  EXPECT_FLOAT_EQ(d.x[3], 0.4f);
  EXPECT_EQ(d.y, (std::vector<int32_t>{3, 9}));
}

TEST(Idx, LoadPairCountMismatch) {
  TempDir dir;
  write_idx_u8(dir.file("img"), {3, 2, 2}, std::vector<uint8_t>(12, 0));
  write_idx_u8(dir.file("lab"), {2}, {1, 2});
  expect_error<Error>([&] { load_idx_pair(dir.file("img"), dir.file("lab"), "x"); },
                      {dir.file("img"), dir.file("lab"), "3 images", "2 labels"});
}

TEST(Idx, LoadPairWrongRank) {
  TempDir dir;
  write_idx_u8(dir.file("img"), {12}, std::vector<uint8_t>(12, 0));
  write_idx_u8(dir.file("lab"), {12}, std::vector<uint8_t>(12, 0));
  expect_error<Error>([&] { load_idx_pair(dir.file("img"), dir.file("lab"), "x"); },
                      {dir.file("img"), "[n,h,w]"});
}

TEST(Idx, FashionMnistIfInstalled) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  const std::string images = dir + "/train-images-idx3-ubyte.gz";
  const std::string labels = dir + "/train-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels))
    GTEST_SKIP()
        << dir
        << " has no gzipped train files (install dataset-fashion-mnist or run scripts/fetch-data)";
  const Dataset d = load_idx_pair(images, labels, "fashion-mnist/train");
  EXPECT_EQ(d.n, 60000);
  EXPECT_EQ(d.sample_shape, (std::vector<int64_t>{1, 28, 28}));
  ASSERT_EQ(d.x.size(), 60000u * 784);
  std::vector<int64_t> counts(10, 0);
  for (int32_t y : d.y) {
    ASSERT_GE(y, 0);
    ASSERT_LE(y, 9);
    ++counts[y];
  }
  for (int64_t c : counts) EXPECT_EQ(c, 6000);  // Fashion-MNIST is exactly balanced
  double mean = 0;
  for (float v : d.x) mean += v;
  mean /= static_cast<double>(d.x.size());
  EXPECT_NEAR(mean, 0.286, 0.002);  // the well-known training-set pixel mean
}

}  // namespace
}  // namespace hg::data
