// Hungarian algorithm against brute force; clustering accuracy, NMI and ARI on hand-computed
// cases, identical / permuted / independent labelings, and large n (pair counts beyond int64
// products).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "apps/analysis/cluster_metrics.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::analysis {
namespace {

// Least total cost of min(rows, cols) pairs, by enumerating permutations.
double brute_force_min(const std::vector<double>& cost, int rows, int cols) {
  const int big = std::max(rows, cols);
  std::vector<int> perm(static_cast<size_t>(big));
  std::iota(perm.begin(), perm.end(), 0);
  double best = INFINITY;
  do {
    double tot = 0.0;
    if (rows <= cols)
      for (int i = 0; i < rows; ++i) tot += cost[i * cols + perm[i]];
    else
      for (int j = 0; j < cols; ++j) tot += cost[perm[j] * cols + j];
    best = std::min(best, tot);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

// Checks that m is a valid assignment of min(rows, cols) pairs and returns its cost.
double assignment_cost(const std::vector<int>& m, const std::vector<double>& cost, int rows,
                       int cols) {
  EXPECT_EQ(static_cast<int>(m.size()), rows);
  std::vector<int> used(static_cast<size_t>(cols), 0);
  int pairs = 0;
  double tot = 0.0;
  for (int i = 0; i < rows; ++i) {
    if (m[i] < 0) continue;
    EXPECT_LT(m[i], cols);
    EXPECT_EQ(used[m[i]]++, 0) << "column " << m[i] << " used twice";
    ++pairs;
    tot += cost[i * cols + m[i]];
  }
  EXPECT_EQ(pairs, std::min(rows, cols));
  return tot;
}

TEST(Hungarian, MatchesBruteForce) {
  Rng rng(17);
  int checked = 0;
  for (int rows = 1; rows <= 6; ++rows)
    for (int cols = 1; cols <= 6; ++cols)
      for (int rep = 0; rep < 12; ++rep) {
        std::vector<double> cost(static_cast<size_t>(rows * cols));
        for (double& c : cost)  // half the cases small integers (many ties), half continuous
          c = rep % 2 ? std::floor(rng.uniform(0.0, 4.0)) : rng.uniform(-5.0, 10.0);
        const std::vector<int> m = hungarian(cost, rows, cols);
        const double got = assignment_cost(m, cost, rows, cols);
        EXPECT_NEAR(got, brute_force_min(cost, rows, cols), 1e-9)
            << rows << " x " << cols << " rep " << rep;
        ++checked;
      }
  EXPECT_EQ(checked, 36 * 12);
}

TEST(Hungarian, KnownCaseAndEdges) {
  // The classic 3 x 3 example: optimum 5 (0->1, 1->0, 2->2).
  const std::vector<double> c = {4, 1, 3, 2, 0, 5, 3, 2, 2};
  EXPECT_EQ(hungarian(c, 3, 3), (std::vector<int>{1, 0, 2}));
  EXPECT_TRUE(hungarian({}, 0, 4).empty());
  EXPECT_EQ(hungarian({}, 2, 0), (std::vector<int>{-1, -1}));
  EXPECT_THROW(hungarian({1, 2, 3}, 2, 2), Error);
  EXPECT_THROW(hungarian({1, NAN, 3, 4}, 2, 2), Error);
  EXPECT_THROW(hungarian({}, -1, 0), Error);
}

// Accuracy by brute force over injective maps cluster -> class (small label counts).
double brute_force_accuracy(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred,
                            int classes, int clusters) {
  std::vector<double> cost(static_cast<size_t>(clusters * classes), 0.0);
  for (size_t i = 0; i < truth.size(); ++i) cost[pred[i] * classes + truth[i]] -= 1.0;
  return -brute_force_min(cost, clusters, classes) / static_cast<double>(truth.size());
}

std::vector<int32_t> random_labels(int64_t n, int k, Rng& rng) {
  std::vector<int32_t> l(static_cast<size_t>(n));
  for (auto& v : l) v = static_cast<int32_t>(rng.below(k));
  return l;
}

TEST(ClusteringAccuracy, HandCasesAndBruteForce) {
  const std::vector<int32_t> t = {0, 0, 0, 1, 1, 1};
  EXPECT_EQ(clustering_accuracy(t, {1, 1, 1, 0, 0, 0}), 1.0);
  EXPECT_EQ(clustering_accuracy(t, {7, 7, 7, -2, -2, -2}), 1.0);
  EXPECT_DOUBLE_EQ(clustering_accuracy(t, {0, 0, 1, 1, 2, 2}), 4.0 / 6.0);  // more clusters
  EXPECT_DOUBLE_EQ(clustering_accuracy(t, {5, 5, 5, 5, 5, 5}), 0.5);        // fewer clusters
  EXPECT_DOUBLE_EQ(clustering_accuracy({0, 1, 2, 0, 1, 2}, {1, 2, 0, 1, 2, 1}), 5.0 / 6.0);
  Rng rng(4);
  for (int rep = 0; rep < 40; ++rep) {
    const int classes = 1 + rep % 5, clusters = 1 + (rep / 5) % 6;
    const std::vector<int32_t> a = random_labels(50, classes, rng);
    const std::vector<int32_t> b = random_labels(50, clusters, rng);
    // Codes must be dense for the brute force; random_labels may miss a value, so remap.
    auto dense = [](std::vector<int32_t> v, int* k) {
      std::vector<int32_t> u(v);
      std::sort(u.begin(), u.end());
      u.erase(std::unique(u.begin(), u.end()), u.end());
      for (auto& x : v)
        x = static_cast<int32_t>(std::lower_bound(u.begin(), u.end(), x) - u.begin());
      *k = static_cast<int>(u.size());
      return v;
    };
    int ka, kb;
    const std::vector<int32_t> da = dense(a, &ka), db = dense(b, &kb);
    EXPECT_NEAR(clustering_accuracy(a, b), brute_force_accuracy(da, db, ka, kb), 1e-12)
        << "rep " << rep;
  }
}

TEST(Nmi, HandComputedCases) {
  // truth {0,0,0,1,1,1}, pred {0,0,1,1,2,2}: MI = (2/3) ln 2, H(truth) = ln 2, H(pred) = ln 3,
  // NMI = (2/3) ln 2 / ((ln 2 + ln 3) / 2) = 0.5158037429793888.
  const std::vector<int32_t> t = {0, 0, 0, 1, 1, 1}, p = {0, 0, 1, 1, 2, 2};
  EXPECT_NEAR(nmi(t, p), (2.0 / 3.0) * std::log(2.0) / ((std::log(2.0) + std::log(3.0)) / 2),
              1e-15);
  EXPECT_NEAR(nmi(t, p), 0.5158037429793888, 1e-15);
  // {0,0,1,2} vs {0,0,1,1}: MI = ln 2, H = 1.5 ln 2 and ln 2, NMI = 0.8.
  EXPECT_NEAR(nmi({0, 0, 1, 2}, {0, 0, 1, 1}), 0.8, 1e-15);
  // scikit-learn 1.2.1's normalized_mutual_info_score for this pair: 0.4180179112091442.
  EXPECT_NEAR(nmi({0, 0, 0, 1, 1, 1, 2, 2, 2, 2}, {1, 1, 0, 0, 0, 2, 2, 2, 2, 0}),
              0.4180179112091442, 1e-14);
  EXPECT_EQ(nmi({0, 0, 0, 0}, {0, 1, 2, 3}), 0.0);
  EXPECT_EQ(nmi({3, 3, 3}, {1, 1, 1}), 1.0);  // neither splits the data
  EXPECT_EQ(nmi({0, 0}, {0, 1}), 0.0);
}

TEST(Ari, HandComputedCases) {
  // truth {0,0,0,1,1,1}, pred {0,0,1,1,2,2}: sum C(n_ij, 2) = 2, sum C(a_i, 2) = 6,
  // sum C(b_j, 2) = 3, C(6, 2) = 15; expected 6 * 3 / 15 = 1.2, max (6 + 3) / 2 = 4.5;
  // ARI = (2 - 1.2) / (4.5 - 1.2) = 8 / 33 = 0.242424...
  EXPECT_NEAR(ari({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}), 8.0 / 33.0, 1e-15);
  // {0,0,1,2} vs {0,0,1,1}: index 1, expected 1 * 2 / 6, max 1.5: ARI = 4/7.
  EXPECT_NEAR(ari({0, 0, 1, 2}, {0, 0, 1, 1}), 4.0 / 7.0, 1e-15);
  EXPECT_NEAR(ari({0, 0, 0, 1, 1, 1, 2, 2, 2, 2}, {1, 1, 0, 0, 0, 2, 2, 2, 2, 0}),
              0.16974169741697417, 1e-15);  // scikit-learn 1.2.1
  EXPECT_EQ(ari({0, 0, 0, 0}, {0, 1, 2, 3}), 0.0);
  EXPECT_EQ(ari({0, 1, 2, 3}, {4, 5, 6, 7}), 1.0);  // all singletons in both
  EXPECT_EQ(ari({0, 0}, {1, 1}), 1.0);
  EXPECT_LT(ari({0, 0, 1, 1}, {0, 1, 0, 1}), 0.0);  // worse than chance
}

TEST(Metrics, IdenticalAndPermutedLabelings) {
  Rng rng(8);
  const std::vector<int32_t> a = random_labels(500, 6, rng);
  // Rename the labels through a permutation with arbitrary values.
  const std::vector<int32_t> names = {42, -1, 7, 1000, 3, -50};
  std::vector<int32_t> renamed(a.size());
  for (size_t i = 0; i < a.size(); ++i) renamed[i] = names[a[i]];
  EXPECT_EQ(clustering_accuracy(a, a), 1.0);
  EXPECT_EQ(clustering_accuracy(a, renamed), 1.0);
  EXPECT_NEAR(nmi(a, a), 1.0, 1e-14);
  EXPECT_NEAR(nmi(a, renamed), 1.0, 1e-14);
  EXPECT_EQ(ari(a, a), 1.0);
  EXPECT_EQ(ari(a, renamed), 1.0);

  // Scores against another labeling are unchanged by renaming either side, and symmetric.
  const std::vector<int32_t> b = random_labels(500, 4, rng);
  std::vector<int32_t> b2(b.size());
  for (size_t i = 0; i < b.size(); ++i) b2[i] = 10 * (3 - b[i]);
  EXPECT_NEAR(nmi(a, b), nmi(renamed, b2), 1e-14);
  EXPECT_NEAR(nmi(a, b), nmi(b, a), 1e-14);
  EXPECT_NEAR(ari(a, b), ari(renamed, b2), 1e-14);
  EXPECT_NEAR(ari(a, b), ari(b, a), 1e-14);
  EXPECT_NEAR(clustering_accuracy(a, b), clustering_accuracy(renamed, b2), 1e-14);
}

TEST(Metrics, IndependentLabelingsNearZero) {
  Rng rng(2);
  const int64_t n = 200000;  // n^2 ordered pairs ~ 4e10: tp * tn overflows int64
  const std::vector<int32_t> a = random_labels(n, 5, rng), b = random_labels(n, 7, rng);
  const double r = ari(a, b);
  EXPECT_LT(std::fabs(r), 1e-3);
  EXPECT_LT(nmi(a, b), 1e-3);
  EXPECT_GE(nmi(a, b), 0.0);
  // The textbook combination formula in double agrees.
  std::vector<double> nij(35, 0.0), ai(5, 0.0), bj(7, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    nij[a[i] * 7 + b[i]] += 1;
    ai[a[i]] += 1;
    bj[b[i]] += 1;
  }
  auto c2 = [](double x) { return x * (x - 1) / 2; };
  double index = 0, sa = 0, sb = 0;
  for (double x : nij) index += c2(x);
  for (double x : ai) sa += c2(x);
  for (double x : bj) sb += c2(x);
  const double expected = sa * sb / c2(static_cast<double>(n));
  const double textbook = (index - expected) / ((sa + sb) / 2 - expected);
  EXPECT_NEAR(r, textbook, 1e-9);
  EXPECT_NE(r, 0.0);
  // A strongly related pair: truth copied with 10% of labels randomised.
  std::vector<int32_t> noisy = a;
  for (int64_t i = 0; i < n; i += 10) noisy[i] = static_cast<int32_t>(rng.below(5));
  EXPECT_GT(ari(a, noisy), 0.8);
  EXPECT_GT(nmi(a, noisy), 0.7);
  EXPECT_GT(clustering_accuracy(a, noisy), 0.9);
}

TEST(Metrics, Errors) {
  EXPECT_THROW(ari({0, 1}, {0}), Error);
  EXPECT_THROW(nmi({}, {}), Error);
  EXPECT_THROW(clustering_accuracy({0, 1, 2}, {0, 1}), Error);
}

}  // namespace
}  // namespace hg::analysis
