#include "engine/data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "engine/util/error.h"
#include "tests/data/temp_dir.h"

namespace hg::data {
namespace {
using testing::expect_error;

// n rows of 2 features: row i = (i, -i), label i % 3.
Dataset make_rows(int64_t n) {
  Dataset d;
  d.name = "rows";
  d.n = n;
  d.sample_shape = {2};
  for (int64_t i = 0; i < n; ++i) {
    d.x.push_back(static_cast<float>(i));
    d.x.push_back(static_cast<float>(-i));
    d.y.push_back(static_cast<int32_t>(i % 3));
  }
  return d;
}

// All row indices of one epoch, in order, checking each batch's contents against its index.
std::vector<int64_t> epoch(Loader& l, const Dataset& d, std::vector<int64_t>* sizes = nullptr) {
  std::vector<int64_t> seen;
  Batch b;
  l.start_epoch();
  while (l.next(b)) {
    EXPECT_EQ(b.x.size(), static_cast<size_t>(b.rows * 2));
    EXPECT_EQ(b.y.size(), static_cast<size_t>(b.rows));
    for (int64_t i = 0; i < b.rows; ++i) {
      const int64_t r = b.index[i];
      EXPECT_EQ(b.x[i * 2], static_cast<float>(r));
      EXPECT_EQ(b.x[i * 2 + 1], static_cast<float>(-r));
      EXPECT_EQ(b.y[i], d.y[r]);
      seen.push_back(r);
    }
    if (sizes) sizes->push_back(b.rows);
  }
  return seen;
}

TEST(Loader, CoversEveryRowOncePerEpoch) {
  const Dataset d = make_rows(23);
  Loader l(d, 5, true, 1);
  EXPECT_EQ(l.batches_per_epoch(), 5);
  for (int e = 0; e < 3; ++e) {
    std::vector<int64_t> sizes;
    std::vector<int64_t> seen = epoch(l, d, &sizes);
    EXPECT_EQ(sizes, (std::vector<int64_t>{5, 5, 5, 5, 3}));
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> all(23);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(seen, all);
  }
}

TEST(Loader, NoShuffleIsSequential) {
  const Dataset d = make_rows(7);
  Loader l(d, 3, false, 1);
  std::vector<int64_t> all(7);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(epoch(l, d), all);
  EXPECT_EQ(epoch(l, d), all);
}

TEST(Loader, SameSeedSameOrderDifferentEpochsDiffer) {
  const Dataset d = make_rows(50);
  Loader a(d, 8, true, 99), b(d, 8, true, 99), c(d, 8, true, 100);
  const auto a1 = epoch(a, d), a2 = epoch(a, d);
  const auto b1 = epoch(b, d), b2 = epoch(b, d);
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(a2, b2);
  EXPECT_NE(a1, a2);
  EXPECT_NE(a1, epoch(c, d));
  std::vector<int64_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(a1, identity);
}

TEST(Loader, NextWithoutStartEpochStartsOne) {
  const Dataset d = make_rows(4);
  Loader l(d, 4, true, 5), m(d, 4, true, 5);
  Batch b;
  ASSERT_TRUE(l.next(b));
  EXPECT_EQ(b.rows, 4);
  EXPECT_FALSE(l.next(b));
  EXPECT_EQ(std::vector<int64_t>(b.index.begin(), b.index.end()), epoch(m, d));
}

TEST(Loader, DropLast) {
  const Dataset d = make_rows(23);
  Loader l(d, 5, true, 3, /*drop_last=*/true);
  EXPECT_EQ(l.batches_per_epoch(), 4);
  std::vector<int64_t> sizes;
  const auto seen = epoch(l, d, &sizes);
  EXPECT_EQ(sizes, (std::vector<int64_t>{5, 5, 5, 5}));
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 20u);
}

TEST(Loader, BatchLargerThanDataset) {
  const Dataset d = make_rows(3);
  Loader l(d, 10, true, 3);
  EXPECT_EQ(l.batches_per_epoch(), 1);
  std::vector<int64_t> sizes;
  epoch(l, d, &sizes);
  EXPECT_EQ(sizes, (std::vector<int64_t>{3}));
  Loader dl(d, 10, true, 3, true);
  EXPECT_EQ(dl.batches_per_epoch(), 0);
  EXPECT_TRUE(epoch(dl, d).empty());
}

TEST(Loader, ReusesBatchCapacity) {
  const Dataset d = make_rows(40);
  Loader l(d, 16, true, 3);
  Batch b;
  ASSERT_TRUE(l.next(b));
  const float* x = b.x.data();
  while (l.next(b)) EXPECT_EQ(b.x.data(), x);  // smaller last batch shrinks size, not capacity
  l.start_epoch();
  ASSERT_TRUE(l.next(b));
  EXPECT_EQ(b.x.data(), x);
}

TEST(Loader, UnlabelledDatasetGivesEmptyY) {
  Dataset d = make_rows(5);
  d.y.clear();
  Loader l(d, 2, false, 0);
  Batch b;
  ASSERT_TRUE(l.next(b));
  EXPECT_TRUE(b.y.empty());
  EXPECT_EQ(b.x, (std::vector<float>{0, 0, 1, -1}));
}

TEST(Loader, RejectsBadBatchSize) {
  const Dataset d = make_rows(3);
  expect_error<UsageError>([&] { Loader(d, 0, true, 1); }, {"--batch", "got 0"});
}

}  // namespace
}  // namespace hg::data
