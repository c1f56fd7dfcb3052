// Active learning's query choice (apps/transfer/active.h): each strategy ranks the unlabelled
// rows as it says, never returns a labelled or repeated row, and asks for at most what is left.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "apps/transfer/active.h"
#include "engine/util/error.h"

namespace hg::transfer {
namespace {

const std::vector<double> kRecon{0.1, 0.9, 0.5, 0.7, 0.2, 0.8};
const std::vector<double> kMargin{0.9, 0.1, 0.3, 0.05, 0.6, 0.2};
const std::vector<int64_t> kUnlabelled{0, 2, 3, 4, 5};  // row 1 is labelled already

TEST(Active, ReconAsksForTheWorstReconstructed) {
  EXPECT_EQ(choose_queries(Strategy::Recon, kUnlabelled, 2, {{}, kRecon}, 0),
            (std::vector<int64_t>{5, 3}));
}

TEST(Active, UncertaintyAsksForTheSmallestMargins) {
  EXPECT_EQ(choose_queries(Strategy::Uncertainty, kUnlabelled, 3, {kMargin, kRecon}, 0),
            (std::vector<int64_t>{3, 5, 2}));
}

TEST(Active, HybridAlternatesWithoutRepeats) {
  // Doubt order 3, 5, 2, 4, 0; recon order 5, 3, 2, 4, 0: 3 (doubt), 5 (recon), then 2.
  EXPECT_EQ(choose_queries(Strategy::Hybrid, kUnlabelled, 3, {kMargin, kRecon}, 0),
            (std::vector<int64_t>{3, 5, 2}));
}

TEST(Active, RandomIsASeededSubsetOfTheUnlabelled) {
  const std::vector<int64_t> a = choose_queries(Strategy::Random, kUnlabelled, 4, {}, 7);
  EXPECT_EQ(a, choose_queries(Strategy::Random, kUnlabelled, 4, {}, 7));
  const std::set<int64_t> s(a.begin(), a.end());
  EXPECT_EQ(s.size(), 4u);
  for (int64_t r : a)
    EXPECT_NE(std::find(kUnlabelled.begin(), kUnlabelled.end(), r), kUnlabelled.end());
}

// Two tight groups of codes, the most doubtful rows in the first: plain uncertainty spends every
// query on the first group, diverse asks for one row of each group among the 10 q = 20 most
// doubtful (rows 0-19), and the row it takes from a group is the one nearest the group's centre.
TEST(Active, DiverseSpreadsAQueryOverGroupsOfCodes) {
  PoolSignals sig;
  sig.code_dim = 2;
  sig.labelled = 100;  // a classifier old enough for Zhdanov's 10 q
  std::vector<int64_t> unlabelled;
  for (int64_t i = 0; i < 30; ++i) {
    const bool first = i < 10;
    const double jitter = 0.01 * static_cast<double>(i % 5) - 0.02;  // row 2 + 5k is a centre
    sig.codes.push_back(static_cast<float>((first ? 0.0 : 10.0) + jitter));
    sig.codes.push_back(static_cast<float>(jitter));
    sig.margin.push_back(first ? 0.01 * static_cast<double>(i)
                               : 0.5 + 0.01 * static_cast<double>(i));
    unlabelled.push_back(i);
  }
  const auto unsure = choose_queries(Strategy::Uncertainty, unlabelled, 2, sig, 3);
  EXPECT_EQ(unsure, (std::vector<int64_t>{0, 1}));
  const auto d = choose_queries(Strategy::Diverse, unlabelled, 2, sig, 3);
  ASSERT_EQ(d.size(), 2u);
  // Rows 2 and 7 (first group), 12 and 17 (second) sit on their centres; ties go to the more
  // doubtful, and the more doubtful group comes first.
  EXPECT_EQ(d, (std::vector<int64_t>{2, 12}));
  // Without codes it cannot run.
  PoolSignals no_codes;
  no_codes.margin = sig.margin;
  EXPECT_THROW(choose_queries(Strategy::Diverse, unlabelled, 2, no_codes, 3), Error);
}

// A young classifier's doubts are trusted less: with few labels the candidates reach past the
// 10 q least sure rows (here a second group of codes that only the less doubtful rows hold).
TEST(Active, DiverseLooksWiderWhileTheClassifierIsYoung) {
  PoolSignals sig;
  sig.code_dim = 1;
  std::vector<int64_t> unlabelled;
  for (int64_t i = 0; i < 60; ++i) {
    sig.codes.push_back(i < 20 ? 0.001f * static_cast<float>(i) : 10.0f);
    sig.margin.push_back(0.01 * static_cast<double>(i));
    unlabelled.push_back(i);
  }
  sig.labelled = 1000;  // 10 q = 20 candidates: all in the first group
  for (int64_t r : choose_queries(Strategy::Diverse, unlabelled, 2, sig, 5)) EXPECT_LT(r, 20);
  sig.labelled = 2;  // 60 x 2 / (2 + 2) = 30 candidates: the second group is among them
  const auto young = choose_queries(Strategy::Diverse, unlabelled, 2, sig, 5);
  ASSERT_EQ(young.size(), 2u);
  EXPECT_LT(young[0], 20);
  EXPECT_GE(young[1], 20);
}

TEST(Active, NeverMoreThanIsLeft) {
  PoolSignals sig{kMargin, kRecon, {}, 2};
  for (int i = 0; i < 6; ++i) sig.codes.insert(sig.codes.end(), {float(i), float(i % 2)});
  for (Strategy s : {Strategy::Random, Strategy::Recon, Strategy::Uncertainty, Strategy::Hybrid,
                     Strategy::Diverse})
    EXPECT_EQ(choose_queries(s, kUnlabelled, 50, sig, 1).size(), kUnlabelled.size());
}

TEST(Active, UnknownStrategyIsAUsageError) {
  EXPECT_THROW(parse_strategy("entropy", "--strategy"), UsageError);
  EXPECT_EQ(strategy_name(parse_strategy("hybrid", "--strategy")), "hybrid");
}

}  // namespace
}  // namespace hg::transfer
