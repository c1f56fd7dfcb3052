#include "engine/data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "engine/util/error.h"
#include "tests/data/temp_dir.h"

namespace hg::data {
namespace {
using testing::expect_error;

// n rows of one feature equal to the row number, label i % 4.
Dataset numbered(int64_t n) {
  Dataset d;
  d.name = "numbered";
  d.n = n;
  d.sample_shape = {1};
  d.feature_names = {"i"};
  for (int64_t i = 0; i < n; ++i) {
    d.x.push_back(static_cast<float>(i));
    d.y.push_back(static_cast<int32_t>(i % 4));
  }
  return d;
}

TEST(Dataset, Features) {
  Dataset d;
  EXPECT_EQ(d.features(), 1);
  d.sample_shape = {1, 28, 28};
  EXPECT_EQ(d.features(), 784);
  EXPECT_FALSE(d.has_labels());
}

TEST(Dataset, SelectRows) {
  const Dataset d = numbered(6);
  const Dataset s = select_rows(d, {5, 0, 5});
  EXPECT_EQ(s.n, 3);
  EXPECT_EQ(s.x, (std::vector<float>{5, 0, 5}));
  EXPECT_EQ(s.y, (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(s.feature_names, d.feature_names);
  expect_error<Error>([&] { select_rows(d, {6}); }, {"numbered", "row 6"});
}

TEST(Dataset, SelectRowsMultiFeature) {
  Dataset d;
  d.n = 3;
  d.sample_shape = {1, 2};
  d.x = {0, 1, 10, 11, 20, 21};
  const Dataset s = select_rows(d, {2, 1});
  EXPECT_EQ(s.x, (std::vector<float>{20, 21, 10, 11}));
  EXPECT_FALSE(s.has_labels());
}

TEST(Dataset, FilterClasses) {
  const Dataset d = numbered(10);
  const Dataset f = filter_classes(d, {3, 1});
  EXPECT_EQ(f.x, (std::vector<float>{1, 3, 5, 7, 9}));
  EXPECT_EQ(f.y, (std::vector<int32_t>{1, 3, 1, 3, 1}));
  expect_error<Error>([&] { filter_classes(d, {7}, "--normal"); }, {"--normal", "7", "numbered"});
  Dataset unlabelled = d;
  unlabelled.y.clear();
  expect_error<Error>([&] { filter_classes(unlabelled, {0}); }, {"--classes", "no labels"});
}

TEST(Dataset, TakeFirst) {
  const Dataset d = numbered(10);
  EXPECT_EQ(take_first(d, 3).x, (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(take_first(d, 3).n, 3);
  EXPECT_EQ(take_first(d, 10).n, 10);
  EXPECT_EQ(take_first(d, 1000).x, d.x);
  EXPECT_EQ(take_first(d, 0).n, 0);
}

TEST(Dataset, SplitValidationSizesAndDisjoint) {
  const Dataset d = numbered(101);
  const auto [train, val] = split_validation(d, 0.2, 7);
  EXPECT_EQ(val.n, 20);  // round(20.2)
  EXPECT_EQ(train.n, 81);
  EXPECT_EQ(val.name, "numbered/val");
  std::set<float> seen(train.x.begin(), train.x.end());
  for (float v : val.x) EXPECT_TRUE(seen.insert(v).second) << v << " in both parts";
  EXPECT_EQ(seen.size(), 101u);
  EXPECT_TRUE(std::is_sorted(train.x.begin(), train.x.end()));
  EXPECT_TRUE(std::is_sorted(val.x.begin(), val.x.end()));
  for (int64_t i = 0; i < val.n; ++i) EXPECT_EQ(val.y[i], static_cast<int32_t>(val.x[i]) % 4);
  // Not simply the last rows.
  EXPECT_LT(val.x.front(), 80.0f);
}

TEST(Dataset, SplitValidationSeeded) {
  const Dataset d = numbered(50);
  EXPECT_EQ(split_validation(d, 0.3, 1).second.x, split_validation(d, 0.3, 1).second.x);
  EXPECT_NE(split_validation(d, 0.3, 1).second.x, split_validation(d, 0.3, 2).second.x);
  EXPECT_EQ(split_validation(d, 0.25, 1).second.n, 13);  // round(12.5) rounds half away from zero
}

TEST(Dataset, SplitValidationZeroAndBadFraction) {
  const Dataset d = numbered(10);
  const auto [train, val] = split_validation(d, 0.0, 1);
  EXPECT_EQ(train.x, d.x);
  EXPECT_EQ(val.n, 0);
  EXPECT_TRUE(val.x.empty());
  expect_error<UsageError>([&] { split_validation(d, 1.0, 1); }, {"[0, 1)"});
  expect_error<UsageError>([&] { split_validation(d, -0.1, 1); }, {"[0, 1)"});
}

TEST(ClassList, Parses) {
  EXPECT_EQ(parse_class_list("0-8", "--classes"),
            (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(parse_class_list("0,3", "--classes"), (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(parse_class_list("1-3,7", "--classes"), (std::vector<int32_t>{1, 2, 3, 7}));
  EXPECT_EQ(parse_class_list("7,1-3,2", "--classes"), (std::vector<int32_t>{1, 2, 3, 7}));
  EXPECT_EQ(parse_class_list(" 4 , 2 - 3 ", "--classes"), (std::vector<int32_t>{2, 3, 4}));
  EXPECT_EQ(parse_class_list("5-5", "--classes"), (std::vector<int32_t>{5}));
}

TEST(ClassList, Errors) {
  for (const char* bad :
       {"", "a", "1,,2", "1-", "-1", "3-1", "1-2-3", "2,-4", "1.5", "99999999999", "0-"}) {
    SCOPED_TRACE(bad);
    expect_error<UsageError>([&] { parse_class_list(bad, "--normal"); },
                             {"--normal: bad class list '" + std::string(bad) + "'"});
  }
  expect_error<UsageError>([] { parse_class_list("-1", "--classes"); }, {"negative"});
  expect_error<UsageError>([] { parse_class_list("3-1", "--classes"); }, {"reversed"});
}

}  // namespace
}  // namespace hg::data
