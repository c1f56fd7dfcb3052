#include "engine/io/atomic_file.h"

#include <filesystem>

#include "engine/util/error.h"
#include "tests/io/tmp_dir.h"

namespace hg::io {
namespace {

using AtomicFile = hg::test::TmpDirTest;

int count_entries(const std::filesystem::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST_F(AtomicFile, WriteThenReadRoundTrips) {
  const std::string p = path("a.bin");
  std::string bytes = "hello";
  bytes.push_back('\0');
  bytes += "world\xff";
  write_file_atomic(p, bytes);
  EXPECT_EQ(read_file(p), bytes);
  EXPECT_EQ(count_entries(dir_), 1) << "a temp file was left behind";
}

TEST_F(AtomicFile, ReplacesExistingContent) {
  const std::string p = path("a.txt");
  write_file_atomic(p, std::string(10000, 'x'));
  write_file_atomic(p, "short");
  EXPECT_EQ(read_file(p), "short");
  write_file_atomic(p, "");
  EXPECT_EQ(read_file(p), "");
  EXPECT_EQ(count_entries(dir_), 1);
}

TEST_F(AtomicFile, ReadMissingFileNamesPath) {
  const std::string p = path("missing.txt");
  HG_EXPECT_ERROR(read_file(p), p, "cannot open", "No such file");
}

TEST_F(AtomicFile, WriteIntoMissingDirectoryFailsAndLeavesNothing) {
  const std::string p = path("nodir/out.txt");
  HG_EXPECT_ERROR(write_file_atomic(p, "x"), p);
  EXPECT_EQ(count_entries(dir_), 0);
}

TEST_F(AtomicFile, JsonRoundTripIsPrettyWithNewline) {
  const std::string p = path("j.json");
  nlohmann::json j = {{"b", 1}, {"a", {1, 2, 3}}, {"s", "text"}};
  write_json_atomic(p, j);
  const std::string text = read_file(p);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text, j.dump(2) + "\n");
  EXPECT_EQ(read_json(p), j);
}

TEST_F(AtomicFile, InvalidJsonNamesPath) {
  const std::string p = path("bad.json");
  write_file_atomic(p, "{\"a\": [1, 2,");
  HG_EXPECT_ERROR(read_json(p), p, "invalid JSON");
}

}  // namespace
}  // namespace hg::io
