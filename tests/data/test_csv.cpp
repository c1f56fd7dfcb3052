#include "engine/data/csv.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/util/error.h"
#include "tests/data/temp_dir.h"

namespace hg::data {
namespace {
using testing::expect_error;
using testing::TempDir;

TEST(Csv, HeaderAndLabel) {
  TempDir dir;
  const std::string path = dir.write("t.csv", "a,class,b\n1.5,0,-2\n3,1,4e-1\n+7,2,.25\n");
  const Dataset d = load_csv(path, "class");
  EXPECT_EQ(d.name, "csv:" + path);
  EXPECT_EQ(d.n, 3);
  EXPECT_EQ(d.sample_shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.x, (std::vector<float>{1.5f, -2.0f, 3.0f, 0.4f, 7.0f, 0.25f}));
  EXPECT_EQ(d.y, (std::vector<int32_t>{0, 1, 2}));
}

TEST(Csv, NoLabelColumnKeepsAll) {
  TempDir dir;
  const std::string path = dir.write("t.csv", "a,b\n1,2\n3,4\n");
  const Dataset d = load_csv(path, "");
  EXPECT_FALSE(d.has_labels());
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.x, (std::vector<float>{1, 2, 3, 4}));
}

TEST(Csv, QuotedCells) {
  TempDir dir;
  const std::string path =
      dir.write("q.csv", "\"x, first\",\"say \"\"hi\"\"\",\"y\"\n\"1.25\",2,\"3\"\n");
  const Dataset d = load_csv(path, "y");
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x, first", "say \"hi\""}));
  EXPECT_EQ(d.x, (std::vector<float>{1.25f, 2.0f}));
  EXPECT_EQ(d.y, (std::vector<int32_t>{3}));
}

TEST(Csv, CrlfAndBlankTrailingLines) {
  TempDir dir;
  const std::string path = dir.write("w.csv", "a,b\r\n1,2\r\n3,4\r\n\r\n\r\n");
  const Dataset d = load_csv(path, "b");
  EXPECT_EQ(d.n, 2);
  EXPECT_EQ(d.x, (std::vector<float>{1, 3}));
  EXPECT_EQ(d.y, (std::vector<int32_t>{2, 4}));
}

TEST(Csv, NoFinalNewline) {
  TempDir dir;
  const Dataset d = load_csv(dir.write("n.csv", "a\n1\n2"), "");
  EXPECT_EQ(d.x, (std::vector<float>{1, 2}));
}

TEST(Csv, BadCellNamesLineAndColumn) {
  TempDir dir;
  const std::string path = dir.write("bad.csv", "a,b,c\n1,2,3\n4,abc,6\n");
  expect_error<Error>([&] { load_csv(path, ""); }, {path + ":3:2: bad value 'abc' in column 'b'"});
}

TEST(Csv, PartlyNumericCellIsBad) {
  TempDir dir;
  const std::string path = dir.write("p.csv", "a,b\n1,2x\n");
  expect_error<Error>([&] { load_csv(path, ""); }, {path + ":2:2: bad value '2x' in column 'b'"});
}

TEST(Csv, EmptyNanAndInfCellsAreBad) {
  TempDir dir;
  const std::string e = dir.write("e.csv", "a,b\r\n1,\r\n");
  expect_error<Error>([&] { load_csv(e, ""); }, {e + ":2:2: bad value '' in column 'b'"});
  const std::string n = dir.write("n.csv", "a,b\n1,2\nnan,2\n");
  expect_error<Error>([&] { load_csv(n, ""); }, {n + ":3:1: bad value 'nan' in column 'a'"});
  const std::string i = dir.write("i.csv", "a,b\n1,-inf\n");
  expect_error<Error>([&] { load_csv(i, ""); }, {i + ":2:2: bad value '-inf' in column 'b'"});
  const std::string big = dir.write("big.csv", "a\n1e39\n");  // overflows float
  expect_error<Error>([&] { load_csv(big, ""); }, {big + ":2:1: bad value '1e39'"});
}

TEST(Csv, LineNumbersCountMultilineQuotedCells) {
  TempDir dir;
  const std::string path = dir.write("m.csv", "\"multi\nline\",b\n1,2\n3,x\n");
  expect_error<Error>([&] { load_csv(path, ""); }, {path + ":4:2: bad value 'x' in column 'b'"});
}

TEST(Csv, RaggedRow) {
  TempDir dir;
  const std::string path = dir.write("r.csv", "a,b,c\n1,2,3\n4,5\n");
  expect_error<Error>([&] { load_csv(path, ""); }, {path + ":3:", "expected 3 cells, found 2"});
}

TEST(Csv, InteriorBlankLineIsAnError) {
  TempDir dir;
  const std::string path = dir.write("b.csv", "a,b\n1,2\n\n3,4\n");
  expect_error<Error>([&] { load_csv(path, ""); }, {path + ":3:", "found 1"});
}

TEST(Csv, MissingLabelColumnListsColumns) {
  TempDir dir;
  const std::string path = dir.write("m.csv", "a,b\n1,2\n");
  expect_error<Error>([&] { load_csv(path, "label"); }, {path, "'label'", "columns: a, b"});
}

TEST(Csv, NonIntegerLabel) {
  TempDir dir;
  const std::string path = dir.write("l.csv", "a,label\n1,0\n2,1.5\n");
  expect_error<Error>([&] { load_csv(path, "label"); },
                      {path + ":3:2:", "'1.5'", "'label'", "integer"});
}

TEST(Csv, IntegralFloatLabelAccepted) {
  TempDir dir;
  const Dataset d = load_csv(dir.write("l.csv", "a,label\n1,1.0\n2,-3\n"), "label");
  EXPECT_EQ(d.y, (std::vector<int32_t>{1, -3}));
}

TEST(Csv, EmptyFile) {
  TempDir dir;
  const std::string path = dir.write("empty.csv", "");
  expect_error<Error>([&] { load_csv(path, ""); }, {path, "empty"});
}

TEST(Csv, HeaderOnly) {
  TempDir dir;
  const std::string path = dir.write("h.csv", "a,b\n\n");
  expect_error<Error>([&] { load_csv(path, ""); }, {path, "no data rows"});
}

TEST(Csv, MissingFile) {
  TempDir dir;
  const std::string path = dir.file("absent.csv");
  expect_error<Error>([&] { load_csv(path, ""); }, {path + ": cannot open"});
}

TEST(Csv, WriteThenReadRoundTrip) {
  TempDir dir;
  const std::string path = dir.file("out.csv");
  const std::vector<float> rows = {0.1f, -3.4028235e38f, 1e-30f, 123456.789f, 0.0f, 2.5f};
  const std::vector<int32_t> labels = {4, -1};
  write_csv(path, {"x", "with,comma", "z"}, rows, 2, &labels);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const Dataset d = load_csv(path, "label");
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x", "with,comma", "z"}));
  EXPECT_EQ(d.x, rows);  // shortest round-trip formatting is exact
  EXPECT_EQ(d.y, labels);
}

TEST(Csv, WriteWithoutLabels) {
  TempDir dir;
  const std::string path = dir.file("nolab.csv");
  write_csv(path, {"a", "b"}, {1, 2, 3, 4}, 2);
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "a,b\n1,2\n3,4\n");
}

}  // namespace
}  // namespace hg::data
