// .npy files: the bytes numpy expects (magic, version, 64-byte aligned header, '<f4' data) and
// a round trip; malformed files are one-line errors naming the path.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/util/error.h"

namespace hg {
namespace {

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("hg_npy_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(Npy, WritesWhatNumpyReadsAndRoundTrips) {
  const std::string p = tmp("a.npy");
  std::vector<float> v{1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  io::write_npy(p, v, 2, 3);
  const std::string b = io::read_file(p);
  EXPECT_EQ(b.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t hlen = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
  EXPECT_EQ((10 + hlen) % 64, 0u);
  EXPECT_NE(b.find("'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"),
            std::string::npos);
  EXPECT_EQ(b.size(), 10 + hlen + 24);
  io::NpyMatrix m = io::read_npy(p);
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 3);
  EXPECT_EQ(m.data, v);
}

TEST(Npy, RejectsMalformedFiles) {
  const std::string p = tmp("bad.npy");
  io::write_file_atomic(p, "not numpy at all");
  EXPECT_THROW(io::read_npy(p), Error);
  io::write_npy(p, {1, 2, 3, 4}, 2, 2);
  std::string b = io::read_file(p);
  io::write_file_atomic(p, b.substr(0, b.size() - 3));  // truncated data
  try {
    io::read_npy(p);
    ADD_FAILURE() << "truncated file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
  }
  std::string f8 = b;
  f8.replace(f8.find("<f4"), 3, "<f8");
  io::write_file_atomic(p, f8);
  EXPECT_THROW(io::read_npy(p), Error);
  EXPECT_THROW(io::write_npy(p, {1, 2, 3}, 2, 2), Error);
}

}  // namespace
}  // namespace hg
