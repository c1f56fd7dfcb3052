// Silhouette: against a naive double-precision O(n^2) loop (several row blocks, arbitrary label
// values, singleton clusters), separated blobs, the sampled estimate, thread-count invariance,
// error cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "apps/analysis/silhouette.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cpu/parallel.h"

namespace hg::analysis {
namespace {

namespace kcpu = hg::kernels::cpu;

// Rousseeuw's definition, straight from the formula, all in double.
std::vector<double> naive_silhouette(const std::vector<float>& X, int64_t n, int64_t d,
                                     const std::vector<int32_t>& labels) {
  std::map<int32_t, int64_t> size;
  for (int32_t l : labels) ++size[l];
  std::vector<double> s(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    std::map<int32_t, double> sum;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      double q = 0.0;
      for (int64_t t = 0; t < d; ++t) {
        const double diff = static_cast<double>(X[i * d + t]) - X[j * d + t];
        q += diff * diff;
      }
      sum[labels[j]] += std::sqrt(q);
    }
    const int64_t own = size[labels[i]];
    if (own == 1) {
      s[i] = 0.0;
      continue;
    }
    const double a = sum[labels[i]] / static_cast<double>(own - 1);
    double b = std::numeric_limits<double>::infinity();
    for (const auto& [l, cnt] : size)
      if (l != labels[i]) b = std::min(b, sum[l] / static_cast<double>(cnt));
    s[i] = std::max(a, b) > 0 ? (b - a) / std::max(a, b) : 0.0;
  }
  return s;
}

double mean(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

std::vector<float> gaussian(int64_t n, int64_t d, uint64_t seed, double offset = 0.0) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n * d));
  for (float& v : x) v = static_cast<float>(offset + rng.normal());
  return x;
}

std::vector<int32_t> random_labels(int64_t n, const std::vector<int32_t>& values, uint64_t seed) {
  Rng rng(seed);
  std::vector<int32_t> l(static_cast<size_t>(n));
  for (auto& v : l) v = values[rng.below(values.size())];
  return l;
}

TEST(Silhouette, MatchesNaiveOnRandomData) {
  struct Case {
    int64_t n, d;
    std::vector<int32_t> values;
    double offset;
  };
  // n = 1500 needs several row blocks per thread; label values arbitrary and non-contiguous;
  // an offset far from the origin checks the centring.
  const std::vector<Case> cases = {
      {300, 5, {0, 1, 2, 3}, 0.0}, {1500, 17, {-7, 3, 100}, 0.0}, {700, 3, {5, 9}, 200.0}};
  for (const Case& c : cases) {
    const std::vector<float> X = gaussian(c.n, c.d, 10 + c.n, c.offset);
    const std::vector<int32_t> labels = random_labels(c.n, c.values, c.n);
    std::vector<double> per;
    const double score = silhouette_score(X.data(), c.n, c.d, labels, &per);
    const std::vector<double> ref = naive_silhouette(X, c.n, c.d, labels);
    ASSERT_EQ(per.size(), ref.size());
    double worst = 0.0;
    for (int64_t i = 0; i < c.n; ++i) worst = std::max(worst, std::fabs(per[i] - ref[i]));
    EXPECT_LT(worst, 1e-5) << "n " << c.n;
    EXPECT_NEAR(score, mean(ref), 1e-6) << "n " << c.n;
    EXPECT_EQ(score, mean(per));
  }
}

TEST(Silhouette, SeparatedBlobsNearOne) {
  const int64_t per = 100, d = 6, k = 4;
  Rng rng(3);
  std::vector<float> X;
  std::vector<int32_t> labels;
  for (int64_t i = 0; i < per * k; ++i) {
    const int c = static_cast<int>(i % k);
    for (int64_t t = 0; t < d; ++t)
      X.push_back(static_cast<float>((t == c ? 1000.0 : 0.0) + rng.normal()));
    labels.push_back(c);
  }
  std::vector<double> s;
  const double score = silhouette_score(X.data(), per * k, d, labels, &s);
  EXPECT_GT(score, 0.99);
  EXPECT_LE(score, 1.0);
  for (double v : s) EXPECT_GT(v, 0.98);
  // Moving half of every blob to the next cluster makes it poor (a ~ b ~ half the spacing).
  std::vector<int32_t> bad = labels;
  for (size_t i = 0; i < bad.size(); ++i)
    if ((i / k) % 2 == 0) bad[i] = static_cast<int32_t>((bad[i] + 1) % k);
  EXPECT_LT(silhouette_score(X.data(), per * k, d, bad), 0.1);
}

TEST(Silhouette, SingletonClustersScoreZero) {
  const int64_t n = 60, d = 4;
  const std::vector<float> X = gaussian(n, d, 8);
  std::vector<int32_t> labels = random_labels(n, {0, 1, 2}, 8);
  labels[5] = 42;   // alone
  labels[17] = -3;  // alone
  std::vector<double> per;
  const double score = silhouette_score(X.data(), n, d, labels, &per);
  EXPECT_EQ(per[5], 0.0);
  EXPECT_EQ(per[17], 0.0);
  const std::vector<double> ref = naive_silhouette(X, n, d, labels);
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(per[i], ref[i], 1e-5) << i;
  EXPECT_NEAR(score, mean(ref), 1e-6);
  int nonzero = 0;
  for (int64_t i = 0; i < n; ++i) nonzero += per[i] != 0.0;
  EXPECT_GT(nonzero, n - 5);

  // Duplicated points (a = b = 0) score 0, not NaN.
  const std::vector<float> same(12, 2.0f);
  std::vector<double> z;
  EXPECT_EQ(silhouette_score(same.data(), 4, 3, {0, 0, 1, 1}, &z), 0.0);
  for (double v : z) EXPECT_EQ(v, 0.0);
}

TEST(Silhouette, SampledEqualsExactForFullSampleAndApproximatesIt) {
  const int64_t n = 800, d = 6;
  std::vector<float> X = gaussian(n, d, 12);
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {  // some structure, so the score is clearly positive
    labels[i] = X[i * d] > 0.3f ? 1 : (X[i * d + 1] > 0 ? 0 : 2);
    X[i * d] += 2.0f * static_cast<float>(labels[i]);
  }
  const double exact = silhouette_score(X.data(), n, d, labels);
  EXPECT_EQ(silhouette_sampled(X.data(), n, d, labels, n, 1), exact);
  EXPECT_EQ(silhouette_sampled(X.data(), n, d, labels, n + 100, 2), exact);
  const double a = silhouette_sampled(X.data(), n, d, labels, 300, 1);
  const double b = silhouette_sampled(X.data(), n, d, labels, 300, 1);
  const double c = silhouette_sampled(X.data(), n, d, labels, 300, 2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NEAR(a, exact, 0.05);
  EXPECT_NEAR(c, exact, 0.05);
  // A sample of one point is that point's exact value.
  std::vector<double> per;
  silhouette_score(X.data(), n, d, labels, &per);
  const double one = silhouette_sampled(X.data(), n, d, labels, 1, 9);
  EXPECT_NE(std::find(per.begin(), per.end(), one), per.end());
}

TEST(Silhouette, SameResultForOneAndTwoThreads) {
  const int64_t n = 2500, d = 9;
  const std::vector<float> X = gaussian(n, d, 5);
  const std::vector<int32_t> labels = random_labels(n, {0, 1, 2, 3, 4}, 5);
  std::vector<double> p1, p2;
  kcpu::set_num_threads(1);
  const double s1 = silhouette_score(X.data(), n, d, labels, &p1);
  const double q1 = silhouette_sampled(X.data(), n, d, labels, 400, 3);
  kcpu::set_num_threads(2);
  const double s2 = silhouette_score(X.data(), n, d, labels, &p2);
  const double q2 = silhouette_sampled(X.data(), n, d, labels, 400, 3);
  kcpu::set_num_threads(0);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(p1, p2);
  EXPECT_EQ(q1, q2);
}

TEST(Silhouette, Errors) {
  const int64_t n = 6, d = 2;
  std::vector<float> X = gaussian(n, d, 1);
  EXPECT_THROW(silhouette_score(X.data(), n, d, {0, 0, 0, 0, 0, 0}), Error);  // 1 label
  EXPECT_THROW(silhouette_score(X.data(), n, d, {0, 1, 2, 3, 4, 5}), Error);  // n labels
  EXPECT_THROW(silhouette_score(X.data(), n, d, {0, 1, 0}), Error);           // size
  EXPECT_NO_THROW(silhouette_score(X.data(), n, d, {0, 1, 2, 3, 4, 4}));      // n - 1 labels
  EXPECT_THROW(silhouette_sampled(X.data(), n, d, {0, 1, 0, 1, 0, 1}, 0, 1), Error);
  X[4 * d] = std::nanf("");
  try {
    silhouette_score(X.data(), n, d, {0, 1, 0, 1, 0, 1});
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 4"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hg::analysis
