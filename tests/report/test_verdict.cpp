// Verdicts are computed from the figures: the winner, the wording and the edge cases.
#include <gtest/gtest.h>

#include <cmath>

#include "apps/report/verdict.h"

namespace hg::report {
namespace {

TEST(Verdict, NamesTheWinnerFromTheNumbers) {
  Verdict v = compare({"autoencoder", 26.39}, {{"JPEG", 22.087}, {"PCA", 21.374}}, 2, " dB");
  EXPECT_EQ(v.text, "autoencoder 26.39 dB vs JPEG 22.09 dB, PCA 21.37 dB: autoencoder wins");
  EXPECT_TRUE(v.ours_wins);
  EXPECT_EQ(v.winner, "autoencoder");
  v = compare({"latent", 0.55}, {{"pixels", 0.61}, {"pca", 0.58}}, 3);
  EXPECT_FALSE(v.ours_wins);
  EXPECT_EQ(v.winner, "pixels");
  EXPECT_EQ(v.text, "latent 0.550 vs pixels 0.610, pca 0.580: pixels wins");
}

TEST(Verdict, LowerIsBetterAndTies) {
  Verdict v = compare({"ours", 1.0}, {{"theirs", 2.0}}, 1, " s", false);
  EXPECT_TRUE(v.ours_wins);
  v = compare({"ours", 3.0}, {{"theirs", 2.0}}, 1, " s", false);
  EXPECT_EQ(v.winner, "theirs");
  v = compare({"ours", 0.5}, {{"theirs", 0.5}}, 2);  // a tie is not a loss
  EXPECT_TRUE(v.ours_wins);
}

TEST(Verdict, MissingFiguresAreLeftOut) {
  Verdict v = compare({"ours", 0.9}, {{"gone", std::nan("")}, {"there", 0.8}}, 2);
  EXPECT_EQ(v.text, "ours 0.90 vs there 0.80: ours wins");
  v = compare({"ours", std::nan("")}, {{"there", 0.8}}, 2);
  EXPECT_FALSE(v.ours_wins);
  EXPECT_EQ(v.text, "ours: no result");
}

}  // namespace
}  // namespace hg::report
