// Semantic hashing's retrieval pieces (apps/analysis/hashing.h): median bits split the database in
// half, LSH is seeded and keeps near rows near, and precision@k counts label agreement of the
// Hamming nearest rows.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "apps/analysis/hashing.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::test {
namespace {

// n rows of d values around one of two centres (label 0 or 1), alternating.
std::vector<float> two_clusters(int64_t n, int d, Rng& rng, std::vector<int32_t>& labels) {
  std::vector<float> x(static_cast<size_t>(n * d));
  labels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    labels[i] = static_cast<int32_t>(i % 2);
    for (int j = 0; j < d; ++j)
      x[i * d + j] = static_cast<float>((labels[i] ? 2.0 : -2.0) * (j % 2 ? 1 : -1) + rng.normal());
  }
  return x;
}

TEST(Hashing, MedianBitsSplitTheDatabaseInHalf) {
  Rng rng(1);
  std::vector<int32_t> y;
  const auto x = two_clusters(200, 8, rng, y);
  const auto med = analysis::column_medians(x.data(), 200, 8);
  const auto c = analysis::binarize(x.data(), 200, 8, med);
  EXPECT_EQ(c.bits, 8);
  EXPECT_EQ(c.rows(), 200);
  for (int j = 0; j < 8; ++j) {
    int ones = 0;
    for (int64_t i = 0; i < 200; ++i) ones += (c.data[i] >> j) & 1;
    EXPECT_NEAR(ones, 100, 1) << "bit " << j;
  }
}

TEST(Hashing, PrecisionAtKFindsTheClustersAndLshIsSeeded) {
  Rng rng(2);
  std::vector<int32_t> yd, yq;
  const auto db = two_clusters(400, 16, rng, yd), q = two_clusters(50, 16, rng, yq);
  const auto mean = analysis::column_means(db.data(), 400, 16);
  const auto a = analysis::lsh_bits(db.data(), 400, 16, 32, mean, 7);
  const auto b = analysis::lsh_bits(db.data(), 400, 16, 32, mean, 7);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, analysis::lsh_bits(db.data(), 400, 16, 32, mean, 8).data);
  const double p =
      analysis::precision_at_k(analysis::lsh_bits(q.data(), 50, 16, 32, mean, 7), yq, a, yd, 20);
  EXPECT_GT(p, 0.95);  // well-separated clusters: the nearest codes share the label
  // Random labels for the database: precision near chance.
  std::vector<int32_t> shuffled(yd.size());
  for (size_t i = 0; i < shuffled.size(); ++i)
    shuffled[i] = static_cast<int32_t>(rng.uniform() < 0.5);
  const double chance = analysis::precision_at_k(analysis::lsh_bits(q.data(), 50, 16, 32, mean, 7),
                                                 yq, a, shuffled, 20);
  EXPECT_LT(chance, 0.7);
  EXPECT_THROW(analysis::precision_at_k(a, yd, a, yd, 401), Error);
  EXPECT_THROW(analysis::lsh_bits(db.data(), 400, 16, 0, mean, 7), Error);
}

}  // namespace
}  // namespace hg::test
