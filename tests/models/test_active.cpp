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
  EXPECT_EQ(choose_queries(Strategy::Recon, kUnlabelled, 2, {}, kRecon, 0),
            (std::vector<int64_t>{5, 3}));
}

TEST(Active, UncertaintyAsksForTheSmallestMargins) {
  EXPECT_EQ(choose_queries(Strategy::Uncertainty, kUnlabelled, 3, kMargin, kRecon, 0),
            (std::vector<int64_t>{3, 5, 2}));
}

TEST(Active, HybridAlternatesWithoutRepeats) {
  // Doubt order 3, 5, 2, 4, 0; recon order 5, 3, 2, 4, 0: 3 (doubt), 5 (recon), then 2.
  EXPECT_EQ(choose_queries(Strategy::Hybrid, kUnlabelled, 3, kMargin, kRecon, 0),
            (std::vector<int64_t>{3, 5, 2}));
}

TEST(Active, RandomIsASeededSubsetOfTheUnlabelled) {
  const std::vector<int64_t> a = choose_queries(Strategy::Random, kUnlabelled, 4, {}, {}, 7);
  EXPECT_EQ(a, choose_queries(Strategy::Random, kUnlabelled, 4, {}, {}, 7));
  const std::set<int64_t> s(a.begin(), a.end());
  EXPECT_EQ(s.size(), 4u);
  for (int64_t r : a)
    EXPECT_NE(std::find(kUnlabelled.begin(), kUnlabelled.end(), r), kUnlabelled.end());
}

TEST(Active, NeverMoreThanIsLeft) {
  for (Strategy s : {Strategy::Random, Strategy::Recon, Strategy::Uncertainty, Strategy::Hybrid})
    EXPECT_EQ(choose_queries(s, kUnlabelled, 50, kMargin, kRecon, 1).size(), kUnlabelled.size());
}

TEST(Active, UnknownStrategyIsAUsageError) {
  EXPECT_THROW(parse_strategy("entropy", "--strategy"), UsageError);
  EXPECT_EQ(strategy_name(parse_strategy("hybrid", "--strategy")), "hybrid");
}

}  // namespace
}  // namespace hg::transfer
