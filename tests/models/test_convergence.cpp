// The convergence rules (apps/train/convergence.h) as pure functions of the loss history:
// plateau cuts, cosine and warm-up rates, early stopping, and their errors.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "apps/train/convergence.h"
#include "engine/util/error.h"

namespace hg::train {
namespace {

ConvergenceOptions opts(const std::string& schedule, int64_t patience) {
  ConvergenceOptions o;
  o.schedule = schedule;
  o.patience = patience;
  return o;
}

TEST(Convergence, BestEpochAndEarlyStop) {
  const ConvergenceOptions o = opts("constant", 3);
  // 1.0, 0.5 (best), then three epochs that do not beat 0.5 by the relative 1e-3.
  ConvergenceState s = replay(o, 0.1, 100, {1.0, 0.5, 0.6, 0.4999, 0.7});
  EXPECT_EQ(s.best_epoch, 2);
  EXPECT_DOUBLE_EQ(s.best_loss, 0.5);
  EXPECT_EQ(s.since_best, 3);
  EXPECT_TRUE(s.stop);
  EXPECT_FALSE(replay(o, 0.1, 100, {1.0, 0.5, 0.6, 0.7}).stop);
  // A real improvement resets the count.
  s = replay(o, 0.1, 100, {1.0, 0.5, 0.6, 0.7, 0.45});
  EXPECT_EQ(s.best_epoch, 5);
  EXPECT_FALSE(s.stop);
  EXPECT_FALSE(
      replay(opts("constant", 0), 0.1, 100, {1, 2, 3, 4, 5, 6}).stop);  // patience 0: never
}

TEST(Convergence, PlateauHalvesAfterPatienceAndFloors) {
  ConvergenceOptions o = opts("plateau", 0);
  o.plateau_patience = 2;
  o.min_lr_ratio = 0.2;
  EXPECT_DOUBLE_EQ(replay(o, 1.0, 100, {}).next_lr, 1.0);
  EXPECT_DOUBLE_EQ(replay(o, 1.0, 100, {1.0, 1.0, 1.0}).next_lr, 1.0);  // 2 bad epochs: not yet
  EXPECT_DOUBLE_EQ(replay(o, 1.0, 100, {1.0, 1.0, 1.0, 1.0}).next_lr, 0.5);  // 3 > 2: cut
  // The count restarts after a cut: three more bad epochs for the next one.
  EXPECT_DOUBLE_EQ(replay(o, 1.0, 100, {1, 1, 1, 1, 1, 1, 1}).next_lr, 0.25);
  EXPECT_DOUBLE_EQ(replay(o, 1.0, 100, std::vector<double>(40, 1.0)).next_lr, 0.2);  // floor
  // Improving epochs never cut.
  EXPECT_DOUBLE_EQ(replay(o, 1.0, 100, {5, 4, 3, 2, 1, 0.5}).next_lr, 1.0);
}

TEST(Convergence, CosineAndWarmup) {
  ConvergenceOptions o = opts("cosine", 0);
  o.min_lr_ratio = 0.0;
  o.warmup = 2;
  const std::vector<double> h(10, 1.0);
  auto lr_of = [&](int64_t epoch) {
    return replay(o, 1.0, 12, std::vector<double>(h.begin(), h.begin() + (epoch - 1))).next_lr;
  };
  EXPECT_DOUBLE_EQ(lr_of(1), 1.0 / 3);
  EXPECT_DOUBLE_EQ(lr_of(2), 2.0 / 3);
  EXPECT_DOUBLE_EQ(lr_of(3), 1.0);  // t = 0
  EXPECT_NEAR(lr_of(8), 0.5 * (1 + std::cos(std::numbers::pi * 5 / 10)), 1e-12);
  EXPECT_NEAR(lr_of(12), 0.5 * (1 + std::cos(std::numbers::pi * 9 / 10)), 1e-12);
}

TEST(Convergence, BadSettingsNameTheFlag) {
  auto msg = [](ConvergenceOptions o) {
    try {
      o.check();
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  ConvergenceOptions o;
  o.schedule = "step";
  EXPECT_NE(msg(o).find("--lr-schedule"), std::string::npos);
  o = {};
  o.patience = -1;
  EXPECT_NE(msg(o).find("--patience"), std::string::npos);
  o = {};
  o.min_delta = std::nan("");
  EXPECT_NE(msg(o).find("--min-delta"), std::string::npos);
  o = {};
  o.warmup = -2;
  EXPECT_NE(msg(o).find("--warmup"), std::string::npos);
  EXPECT_EQ(msg(ConvergenceOptions{}), "");
}

TEST(Convergence, JsonRoundTrip) {
  ConvergenceOptions o = opts("cosine", 7);
  o.warmup = 3;
  o.restore_best = false;
  const ConvergenceOptions back = ConvergenceOptions::from_json(o.to_json(), "test");
  EXPECT_EQ(back.schedule, "cosine");
  EXPECT_EQ(back.patience, 7);
  EXPECT_EQ(back.warmup, 3);
  EXPECT_FALSE(back.restore_best);
  EXPECT_THROW(ConvergenceOptions::from_json(nlohmann::json{{"patience", "ten"}}, "x.json"), Error);
}

}  // namespace
}  // namespace hg::train
