#include "apps/metrics/metrics.h"

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "engine/util/error.h"

namespace hg::detect {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The worked example: descending 0.8(a) 0.4(n) 0.35(a) 0.1(n).
const std::vector<double> kS = {0.1, 0.4, 0.35, 0.8};
const std::vector<int> kL = {0, 0, 1, 1};

// Ties inside one class and between classes: 0.9(a) | 0.5(a, a, n) | 0.2(n) | 0.1(n).
const std::vector<double> kTS = {0.5, 0.1, 0.9, 0.5, 0.2, 0.5};
const std::vector<int> kTL = {1, 0, 1, 0, 0, 1};

void expect_vec(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isinf(want[i]))
      EXPECT_EQ(got[i], want[i]) << "index " << i;
    else
      EXPECT_NEAR(got[i], want[i], 1e-12) << "index " << i;
  }
}

// Runs f, which must throw hg::Error whose one-line message contains every needle.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    for (const auto& n : needles)
      EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' not in: " << m;
    return;
  }
  ADD_FAILURE() << "no hg::Error thrown (expected one mentioning '" << needles.front() << "')";
}

// Brute-force references.
double mann_whitney(const std::vector<double>& s, const std::vector<int>& l) {
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < s.size(); ++i)
    for (size_t j = 0; j < s.size(); ++j)
      if (l[i] == 1 && l[j] == 0) {
        pairs += 1;
        wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
      }
  return wins / pairs;
}

// Mean over anomalies of the precision among samples scoring >= that anomaly's score: the same
// quantity as sum_n (R_n - R_{n-1}) P_n, because tied anomalies share a threshold.
double ap_brute(const std::vector<double>& s, const std::vector<int>& l) {
  double sum = 0, pos = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (l[i] != 1) continue;
    pos += 1;
    double tp = 0, all = 0;
    for (size_t j = 0; j < s.size(); ++j)
      if (s[j] >= s[i]) all += 1, tp += l[j];
    sum += tp / all;
  }
  return sum / pos;
}

void random_case(uint32_t seed, size_t n, double grid, std::vector<double>& s,
                 std::vector<int>& l) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::bernoulli_distribution anomaly(0.3);
  s.clear();
  l.clear();
  for (size_t i = 0; i < n; ++i) {
    const int y = anomaly(rng) ? 1 : 0;
    double v = g(rng) + 0.8 * y;
    if (grid > 0) v = std::round(v / grid) * grid;  // coarse grid -> many ties, across classes too
    s.push_back(v);
    l.push_back(y);
  }
  l[0] = 0, l[1] = 1;  // both classes for sure
}

// ---- ROC / AUROC --------------------------------------------------------------------------------

TEST(Roc, WorkedExample) {
  const RocCurve r = roc_curve(kS, kL);
  expect_vec(r.thresholds, {kInf, 0.8, 0.4, 0.35, 0.1});
  expect_vec(r.fpr, {0, 0, 0.5, 0.5, 1});
  expect_vec(r.tpr, {0, 0.5, 0.5, 1, 1});
  EXPECT_NEAR(auroc(kS, kL), 0.75, 1e-15);
}

TEST(Roc, TiesEnterAsOneStep) {
  const RocCurve r = roc_curve(kTS, kTL);
  expect_vec(r.thresholds, {kInf, 0.9, 0.5, 0.2, 0.1});
  expect_vec(r.fpr, {0, 0, 1.0 / 3, 2.0 / 3, 1});
  expect_vec(r.tpr, {0, 1.0 / 3, 1, 1, 1});
  // 0.9 beats all 3 normals; each 0.5 anomaly beats 0.2, 0.1 and ties 0.5: 3 + 2 * 2.5 = 8 of 9
  EXPECT_NEAR(auroc(kTS, kTL), 8.0 / 9, 1e-15);
  EXPECT_NEAR(mann_whitney(kTS, kTL), 8.0 / 9, 1e-15);
  // the input order of tied samples does not matter
  std::vector<double> s = kTS;
  std::vector<int> l = kTL;
  std::swap(s[0], s[3]), std::swap(l[0], l[3]);
  EXPECT_EQ(auroc(s, l), auroc(kTS, kTL));
}

TEST(Roc, AllTiedIsChance) {
  const RocCurve r = roc_curve({2, 2, 2, 2}, {0, 1, 0, 1});
  expect_vec(r.fpr, {0, 1});
  expect_vec(r.tpr, {0, 1});
  EXPECT_DOUBLE_EQ(auroc({2, 2, 2, 2}, {0, 1, 0, 1}), 0.5);
}

TEST(Roc, PerfectAndReversed) {
  const std::vector<double> s = {0.1, 0.2, 0.3, 0.7, 0.8};
  EXPECT_DOUBLE_EQ(auroc(s, {0, 0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(auroc(s, {1, 1, 0, 0, 0}), 0.0);
  const RocCurve r = roc_curve(s, {0, 0, 0, 1, 1});
  EXPECT_DOUBLE_EQ(r.tpr[2], 1.0);  // both anomalies found before any false alarm
  EXPECT_DOUBLE_EQ(r.fpr[2], 0.0);
}

TEST(Roc, EqualsMannWhitneyOnRandomDataWithTies) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::vector<double> s;
    std::vector<int> l;
    random_case(seed, 300, seed % 2 ? 0.25 : 0.0, s, l);
    const double a = auroc(s, l);
    EXPECT_NEAR(a, mann_whitney(s, l), 1e-12) << "seed " << seed;
    EXPECT_GT(a, 0.55) << "seed " << seed;  // the anomalies are shifted up
    // reversing the scores mirrors the area (ties half on both sides)
    std::vector<double> neg(s.size());
    for (size_t i = 0; i < s.size(); ++i) neg[i] = -s[i];
    EXPECT_NEAR(auroc(neg, l), 1 - a, 1e-12) << "seed " << seed;
    // the curve: descending thresholds, monotone rates, exact rates of score >= threshold
    const RocCurve r = roc_curve(s, l);
    ASSERT_EQ(r.fpr.size(), std::set<double>(s.begin(), s.end()).size() + 1);
    EXPECT_EQ(r.fpr.front(), 0.0);
    EXPECT_EQ(r.tpr.back(), 1.0);
    EXPECT_EQ(r.fpr.back(), 1.0);
    for (size_t k = 1; k < r.thresholds.size(); ++k) {
      EXPECT_LT(r.thresholds[k], r.thresholds[k - 1]);
      double tp = 0, fp = 0, P = 0, N = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        (l[i] ? P : N) += 1;
        if (s[i] >= r.thresholds[k]) (l[i] ? tp : fp) += 1;
      }
      EXPECT_DOUBLE_EQ(r.tpr[k], tp / P);
      EXPECT_DOUBLE_EQ(r.fpr[k], fp / N);
    }
  }
}

// ---- PR / AP ------------------------------------------------------------------------------------

TEST(Pr, WorkedExample) {
  const PrCurve p = pr_curve(kS, kL);
  expect_vec(p.thresholds, {kInf, 0.8, 0.4, 0.35, 0.1});
  expect_vec(p.precision, {1, 1, 0.5, 2.0 / 3, 0.5});
  expect_vec(p.recall, {0, 0.5, 0.5, 1, 1});
  // 0.5 * 1 + 0 * 0.5 + 0.5 * 2/3
  EXPECT_NEAR(average_precision(kS, kL), 5.0 / 6, 1e-15);
}

TEST(Pr, Ties) {
  const PrCurve p = pr_curve(kTS, kTL);
  expect_vec(p.precision, {1, 1, 0.75, 0.6, 0.5});
  expect_vec(p.recall, {0, 1.0 / 3, 1, 1, 1});
  // 1/3 * 1 + 2/3 * 3/4 (the tied step counts its precision after all tied samples entered)
  EXPECT_NEAR(average_precision(kTS, kTL), 1.0 / 3 + 0.5, 1e-15);
  // tie across classes at the top: 0.9 (a, n) | 0.1 (a, n) -> 1/2 * 1/2 + 1/2 * 2/4
  EXPECT_NEAR(average_precision({0.9, 0.9, 0.1, 0.1}, {1, 0, 0, 1}), 0.5, 1e-15);
  // a normal sample first: 0.9 (n) | 0.8 (a) | 0.7 (a) -> 1/2 * 1/2 + 1/2 * 2/3
  EXPECT_NEAR(average_precision({0.9, 0.8, 0.7}, {0, 1, 1}), 0.25 + 1.0 / 3, 1e-15);
}

TEST(Pr, PerfectSeparatorAndBruteForce) {
  EXPECT_DOUBLE_EQ(average_precision({0.1, 0.2, 0.3, 0.7, 0.8}, {0, 0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(average_precision({0.1, 0.2, 0.3, 0.7, 0.8}, {1, 1, 0, 0, 0}),
                   0.5 * (1.0 / 4 + 2.0 / 5));
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::vector<double> s;
    std::vector<int> l;
    random_case(seed, 250, seed % 2 ? 0.25 : 0.0, s, l);
    const double ap = average_precision(s, l);
    EXPECT_NEAR(ap, ap_brute(s, l), 1e-12) << "seed " << seed;
    // step sum over the curve itself
    const PrCurve p = pr_curve(s, l);
    double sum = 0;
    for (size_t k = 1; k < p.recall.size(); ++k)
      sum += (p.recall[k] - p.recall[k - 1]) * p.precision[k];
    EXPECT_NEAR(ap, sum, 1e-12);
    EXPECT_EQ(p.recall.back(), 1.0);
  }
}

// ---- confusion ----------------------------------------------------------------------------------

TEST(Confusion, CountsWithTheStrictRule) {
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8, 0.5};
  const std::vector<int> l = {0, 0, 1, 1, 0};
  const Confusion c = confusion_at(s, l, 0.4);  // 0.4 itself is not flagged
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.tn, 2);
  EXPECT_EQ(c.fn, 1);
  EXPECT_DOUBLE_EQ(c.precision, 0.5);
  EXPECT_DOUBLE_EQ(c.recall, 0.5);
  EXPECT_DOUBLE_EQ(c.tpr, 0.5);
  EXPECT_DOUBLE_EQ(c.fpr, 1.0 / 3);
  EXPECT_DOUBLE_EQ(c.f1, 0.5);
  EXPECT_DOUBLE_EQ(c.accuracy, 0.6);

  const Confusion all = confusion_at(s, l, 0.05);
  EXPECT_EQ(all.tp, 2);
  EXPECT_EQ(all.fp, 3);
  EXPECT_EQ(all.tn + all.fn, 0);
  EXPECT_DOUBLE_EQ(all.precision, 0.4);
  EXPECT_DOUBLE_EQ(all.recall, 1.0);
  EXPECT_DOUBLE_EQ(all.f1, 2 * 0.4 / 1.4);
  EXPECT_DOUBLE_EQ(all.fpr, 1.0);

  const Confusion none = confusion_at(s, l, 0.8);
  EXPECT_EQ(none.tp + none.fp, 0);
  EXPECT_EQ(none.tn, 3);
  EXPECT_EQ(none.fn, 2);
  EXPECT_EQ(none.precision, 0.0);
  EXPECT_EQ(none.f1, 0.0);
  EXPECT_DOUBLE_EQ(none.accuracy, 0.6);

  // one class is fine here
  const Confusion normal_only = confusion_at({1, 2, 3}, {0, 0, 0}, 1.5);
  EXPECT_EQ(normal_only.fp, 2);
  EXPECT_DOUBLE_EQ(normal_only.fpr, 2.0 / 3);
  EXPECT_EQ(normal_only.tpr, 0.0);
  EXPECT_EQ(normal_only.f1, 0.0);
}

// ---- percentiles and thresholds -----------------------------------------------------------------

TEST(Percentile, MatchesNumpyLinear) {
  // np.percentile(..., q) values worked by hand: h = (n - 1) q / 100, linear between neighbours
  EXPECT_NEAR(percentile({1, 2, 3, 4}, 95), 3.85, 1e-12);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 0), 1.0);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 100), 4.0);
  EXPECT_DOUBLE_EQ(percentile({3, 1, 2}, 25), 1.5);  // unsorted input
  EXPECT_NEAR(percentile({10, 20, 30, 40, 50}, 90), 46.0, 1e-12);
  EXPECT_NEAR(percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99), 9.91, 1e-12);
  EXPECT_DOUBLE_EQ(percentile({-5, 0, 5}, 75), 2.5);
  EXPECT_DOUBLE_EQ(percentile({7}, 37), 7.0);
  EXPECT_DOUBLE_EQ(percentile({2, 2, 2, 9}, 60), 2.0);  // h = 1.8 between two equal values
}

TEST(Thresholds, PercentileOfNormalScores) {
  std::vector<double> normal;
  for (int i = 0; i < 1000; ++i) normal.push_back(i);
  const double t = threshold_percentile(normal, 99);  // h = 999 * 0.99 = 989.01
  EXPECT_NEAR(t, 989.01, 1e-9);
  EXPECT_EQ(confusion_at(normal, std::vector<int>(1000, 0), t).fp, 10);  // 990..999
}

TEST(Thresholds, Contamination) {
  std::vector<double> s;
  for (int i = 1; i <= 100; ++i) s.push_back(101 - i);  // 100 .. 1, order must not matter
  const std::vector<int> zeros(100, 0);
  const double t5 = threshold_contamination(s, 0.05);  // percentile 95: h = 94.05 -> 95.05
  EXPECT_NEAR(t5, 95.05, 1e-9);
  EXPECT_EQ(confusion_at(s, zeros, t5).fp, 5);
  const double t10 = threshold_contamination(s, 0.1);
  EXPECT_NEAR(t10, 90.1, 1e-9);
  EXPECT_EQ(confusion_at(s, zeros, t10).fp, 10);
  EXPECT_NEAR(threshold_contamination(s, 0.5), 50.5, 1e-9);
}

TEST(Thresholds, BestF1) {
  // steps: >=0.8 F1 2/3, >=0.4 F1 1/2, >=0.35 F1 4/5, all F1 2/3 -> between 0.35 and 0.1
  double f1 = -1;
  const double t = best_f1_threshold(kS, kL, &f1);
  EXPECT_DOUBLE_EQ(t, 0.225);
  EXPECT_DOUBLE_EQ(f1, 0.8);
  EXPECT_DOUBLE_EQ(confusion_at(kS, kL, t).f1, 0.8);
  EXPECT_DOUBLE_EQ(best_f1_threshold(kS, kL), 0.225);  // f1 pointer optional

  // tie: >=0.9 (tp 1, fp 0) and everything (tp 2, fp 2) both give 2/3: the larger threshold wins
  const double tt = best_f1_threshold({0.9, 0.8, 0.7, 0.6}, {1, 0, 0, 1}, &f1);
  EXPECT_DOUBLE_EQ(tt, 0.85);
  EXPECT_DOUBLE_EQ(f1, 2.0 / 3);

  // the best is to flag everything: the threshold lies just below the minimum
  const double tb = best_f1_threshold({0.1, 0.2}, {1, 0}, &f1);
  EXPECT_LT(tb, 0.1);
  EXPECT_GT(tb, 0.1 - 1e-12);
  EXPECT_EQ(confusion_at({0.1, 0.2}, {1, 0}, tb).tp, 1);
  EXPECT_DOUBLE_EQ(f1, 2.0 / 3);

  // tied scores between classes: 0.5 (a, n) must be flagged or not together
  const double tie = best_f1_threshold({0.5, 0.5, 0.2, 0.9}, {1, 0, 0, 1}, &f1);
  EXPECT_DOUBLE_EQ(tie, 0.35);  // tp 2 fp 1: 4/5 beats tp 1 fp 0: 2/3
  EXPECT_DOUBLE_EQ(f1, 0.8);

  // adjacent doubles: the threshold must still separate them under the strict rule (the midpoint
  // of 1 + 2^-52 and 1 + 2^-51 rounds to the upper one, which would flag nothing)
  for (const double a : {1.0, std::nextafter(1.0, 2.0)}) {
    const double b = std::nextafter(a, 2.0);
    const double ta = best_f1_threshold({a, b}, {0, 1}, &f1);
    const Confusion ca = confusion_at({a, b}, {0, 1}, ta);
    EXPECT_EQ(ca.tp, 1);
    EXPECT_EQ(ca.fp, 0);
    EXPECT_EQ(f1, 1.0);
    EXPECT_EQ(confusion_at({b, a}, {1, 0}, youden_threshold({b, a}, {1, 0})).tp, 1);
  }
}

TEST(Thresholds, BestF1IsMaximalOnRandomData) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    std::vector<double> s;
    std::vector<int> l;
    random_case(seed, 200, seed % 2 ? 0.25 : 0.0, s, l);
    double f1 = 0;
    const double t = best_f1_threshold(s, l, &f1);
    EXPECT_DOUBLE_EQ(confusion_at(s, l, t).f1, f1);
    // no strict threshold does better: every distinct score, and below the minimum
    std::set<double> cand(s.begin(), s.end());
    cand.insert(*cand.begin() - 1);
    for (double c : cand) {
      const Confusion cc = confusion_at(s, l, c);
      EXPECT_LE(cc.f1, f1 + 1e-15);
      if (cc.f1 == f1) {
        EXPECT_LE(c, t) << "a larger threshold ties";
      }
    }
  }
}

TEST(Thresholds, Youden) {
  // J: >=0.8 -> 1/2, >=0.4 -> 0, >=0.35 -> 1/2, all -> 0: the tie goes to the larger threshold
  double j = -1;
  const double t = youden_threshold(kS, kL, &j);
  EXPECT_DOUBLE_EQ(t, 0.6);
  EXPECT_DOUBLE_EQ(j, 0.5);
  const Confusion c = confusion_at(kS, kL, t);
  EXPECT_DOUBLE_EQ(c.tpr - c.fpr, 0.5);
  EXPECT_EQ(c.tp, 1);

  EXPECT_DOUBLE_EQ(youden_threshold({1, 2, 3, 4}, {0, 0, 1, 1}, &j), 2.5);
  EXPECT_DOUBLE_EQ(j, 1.0);
  // ties: 0.9(a) | 0.5(a, a, n) | 0.2(n) | 0.1(n): J = 1/3, 2/3, 1/3, 0
  EXPECT_DOUBLE_EQ(youden_threshold(kTS, kTL, &j), 0.35);
  EXPECT_NEAR(j, 2.0 / 3, 1e-15);
}

TEST(Summary, Values) {
  const Summary s = summarize({9, 4, 4, 2, 5, 5, 7, 4});
  EXPECT_EQ(s.n, 8);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.std, 2.0);  // population std
  EXPECT_EQ(s.min, 2.0);
  EXPECT_EQ(s.max, 9.0);
  EXPECT_DOUBLE_EQ(s.p50, 4.5);     // h = 3.5
  EXPECT_NEAR(s.p90, 7.6, 1e-12);   // h = 6.3
  EXPECT_NEAR(s.p95, 8.3, 1e-12);   // h = 6.65
  EXPECT_NEAR(s.p99, 8.86, 1e-12);  // h = 6.93
  const Summary one = summarize({3});
  EXPECT_EQ(one.std, 0.0);
  EXPECT_EQ(one.p99, 3.0);
}

// ---- errors -------------------------------------------------------------------------------------

TEST(Errors, EveryLabelledFunction) {
  using Fn = std::function<void(const std::vector<double>&, const std::vector<int>&)>;
  const std::vector<std::pair<std::string, Fn>> fns = {
      {"roc_curve", [](auto& s, auto& l) { roc_curve(s, l); }},
      {"auroc", [](auto& s, auto& l) { auroc(s, l); }},
      {"pr_curve", [](auto& s, auto& l) { pr_curve(s, l); }},
      {"average_precision", [](auto& s, auto& l) { average_precision(s, l); }},
      {"the best-F1 threshold", [](auto& s, auto& l) { best_f1_threshold(s, l); }},
      {"the Youden threshold", [](auto& s, auto& l) { youden_threshold(s, l); }},
      {"confusion_at", [](auto& s, auto& l) { confusion_at(s, l, 0.5); }},
  };
  for (const auto& [name, f] : fns) {
    SCOPED_TRACE(name);
    expect_error([&] { f({0.1, 0.2, 0.3}, {0, 1}); }, {name, "differ in size", "3 vs 2"});
    expect_error([&] { f({}, {}); }, {name, "empty"});
    expect_error([&] { f({0.1, kNaN, 0.3}, {0, 1, 0}); }, {name, "scores[1]", "not finite"});
    expect_error([&] { f({0.1, 0.2, kInf}, {0, 1, 0}); }, {name, "scores[2]", "not finite"});
    expect_error(
        [&] {
          f({0.1, 0.2, 0.3}, {0, 2, 1});
        },
        {name, "labels[1] is 2", "0 = normal or 1 = anomaly"});
    expect_error([&] { f({0.1, 0.2, 0.3}, {0, 1, -1}); }, {name, "labels[2] is -1"});
    if (name != "confusion_at") {
      expect_error(
          [&] {
            f({0.1, 0.2, 0.3, 0.4}, {0, 0, 0, 0});
          },
          {name, "both normal and anomalous", "4 normal, 0 anomalous"});
      expect_error(
          [&] {
            f({0.1, 0.2}, {1, 1});
          },
          {name, "both normal and anomalous", "0 normal, 2 anomalous"});
    }
  }
  expect_error([] { confusion_at({1, 2}, {0, 1}, kNaN); }, {"confusion_at", "NaN"});
}

TEST(Errors, PercentilesAndSummary) {
  expect_error([] { percentile({}, 50); }, {"percentile", "empty"});
  expect_error([] { percentile({1, kNaN}, 50); }, {"percentile", "values[1]", "not finite"});
  expect_error([] { percentile({1, 2}, -1); }, {"percentile", "[0, 100]"});
  expect_error([] { percentile({1, 2}, 100.5); }, {"percentile", "[0, 100]"});
  expect_error([] { percentile({1, 2}, kNaN); }, {"percentile", "[0, 100]"});
  expect_error([] { threshold_percentile({}, 99); }, {"threshold_percentile", "empty"});
  expect_error([] { threshold_percentile({1, -kInf}, 99); }, {"not finite"});
  expect_error([] { threshold_contamination({1, 2}, 0); }, {"threshold_contamination", "(0, 0.5]"});
  expect_error(
      [] {
        threshold_contamination({1, 2}, 0.6);
      },
      {"threshold_contamination", "(0, 0.5]"});
  expect_error(
      [] {
        threshold_contamination({1, 2}, kNaN);
      },
      {"threshold_contamination", "(0, 0.5]"});
  expect_error([] { threshold_contamination({}, 0.1); }, {"threshold_contamination", "empty"});
  expect_error([] { summarize({}); }, {"summarize", "empty"});
  expect_error([] { summarize({1, kInf}); }, {"summarize", "not finite"});
}

}  // namespace
}  // namespace hg::detect
