// hourglass sweep's pure parts (apps/sweep): the --vary axes and their errors, the cartesian
// product and its names, the configs the variants get, the task list, the elbow rule and the
// elbows found per group of variants.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "apps/sweep/elbow.h"
#include "apps/sweep/report.h"
#include "apps/sweep/tasks.h"
#include "apps/sweep/variants.h"
#include "engine/util/error.h"

namespace hg::sweep {
namespace {

using nlohmann::json;

// The message of the UsageError that `f` throws ("" when it throws none).
template <class F>
std::string usage_error(F f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

const json kMlp = json::parse(R"({"name": "m", "type": "mlp", "input": 784,
    "hidden": [256, 128], "latent": 32, "output_activation": "sigmoid"})");
const json kConv = json::parse(R"({"name": "c", "type": "conv", "image": [1, 28, 28],
    "channels": [32, 64], "latent": 32})");

TEST(Sweep, ParsesEveryAxis) {
  EXPECT_EQ(parse_axis("latent=2,4,8").values, (std::vector<json>{2, 4, 8}));
  EXPECT_EQ(parse_axis("depth=0,3").values, (std::vector<json>{0, 3}));
  const Axis h = parse_axis("hidden=256x128,512");
  EXPECT_EQ(h.kind, AxisKind::Hidden);
  EXPECT_EQ(h.values, (std::vector<json>{json{256, 128}, json{512}}));
  EXPECT_EQ(parse_axis("loss=mse,bce").values, (std::vector<json>{"mse", "bce"}));
}

TEST(Sweep, BadAxesAreUsageErrorsNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"latent=0,2", "--vary latent: 0 is out of range"},
      {"latent=2,x", "--vary latent: 'x' is not a whole number"},
      {"latent=-2", "--vary latent: '-2' is not a whole number"},
      {"latent=2,2", "--vary latent: 2 is listed twice"},
      {"latent=2,", "--vary latent: empty value"},
      {"latent=", "--vary latent: no values"},
      {"latent", "expected NAME=V1,V2"},
      {"hidden=8x,4", "--vary hidden: '8x' has an empty width"},
      {"depth=17", "--vary depth: 17 is out of range"},
      {"loss=mae", "--vary loss: 'mae' is not a loss"},
      {"width=2",
       "--vary width: unknown axis (supported: latent, depth, hidden, loss, decoder-width)"},
      {"decoder-width=0,1", "--vary decoder-width: 0 is out of range"},
      {"decoder-width=wide", "--vary decoder-width: 'wide' is not a number"},
  };
  for (const auto& [text, message] : cases)
    EXPECT_NE(usage_error([&] { parse_axis(text); }).find(message), std::string::npos) << text;
}

// decoder-width scales the mirrored widths (after depth), rounded, at least 1; MLP only.
TEST(Sweep, DecoderWidthScalesTheMirroredDecoder) {
  const std::vector<Variant> v = expand(parse_axes({"depth=3", "decoder-width=0.5,2"}));
  ASSERT_EQ(v.size(), 2u);
  const json half = variant_model_config(kMlp, v[0], "m.json");
  EXPECT_EQ(half["hidden"], (json{256, 128, 64}));
  EXPECT_EQ(half["decoder_hidden"], (json{32, 64, 128}));
  EXPECT_EQ(half["name"], "m-depth-3_decoder-width-0.5");
  EXPECT_EQ(variant_model_config(kMlp, v[1], "m.json")["decoder_hidden"], (json{128, 256, 512}));
  const json tiny = variant_model_config(kMlp, expand(parse_axes({"decoder-width=0.001"}))[0], "m");
  EXPECT_EQ(tiny["decoder_hidden"], (json{1, 1}));
  const std::string e = usage_error(
      [] { variant_model_config(kConv, expand(parse_axes({"decoder-width=2"}))[0], "c.json"); });
  EXPECT_NE(e.find("--vary decoder-width: c.json is a conv model, whose decoder mirrors"),
            std::string::npos)
      << e;
}

TEST(Sweep, AxesMayNotRepeatOrConflict) {
  EXPECT_NE(usage_error([] { parse_axes({}); }).find("--vary is required"), std::string::npos);
  EXPECT_NE(usage_error([] {
              parse_axes({"latent=2", "latent=4"});
            }).find("given twice"),
            std::string::npos);
  EXPECT_NE(usage_error([] {
              parse_axes({"depth=1", "hidden=8"});
            }).find("not with --vary hidden"),
            std::string::npos);
}

TEST(Sweep, ExpandIsTheCartesianProductFirstAxisSlowest) {
  const std::vector<Variant> v = expand(parse_axes({"latent=2,8", "loss=mse,bce", "depth=1"}));
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].name, "latent-2_loss-mse_depth-1");
  EXPECT_EQ(v[1].name, "latent-2_loss-bce_depth-1");
  EXPECT_EQ(v[3].name, "latent-8_loss-bce_depth-1");
  EXPECT_EQ(v[3].settings_json(), (json{{"latent", 8}, {"loss", "bce"}, {"depth", 1}}));
  EXPECT_EQ(variant_loss(v[1]), "bce");
  EXPECT_EQ(expand(parse_axes({"hidden=256x128"}))[0].name, "hidden-256x128");
}

TEST(Sweep, DepthTakesTheFirstWidthsThenHalvesDownToTheLatent) {
  EXPECT_EQ(depth_widths({256, 128}, 1, 32), (std::vector<int64_t>{256}));
  EXPECT_EQ(depth_widths({256, 128}, 0, 32), (std::vector<int64_t>{}));
  EXPECT_EQ(depth_widths({256, 128}, 4, 32), (std::vector<int64_t>{256, 128, 64, 32}));
  EXPECT_EQ(depth_widths({256, 128}, 3, 100), (std::vector<int64_t>{256, 128, 100}));
  EXPECT_EQ(depth_widths({}, 2, 16), (std::vector<int64_t>{16, 16}));
}

TEST(Sweep, VariantConfigsOverrideOnlyTheirKeys) {
  const std::vector<Variant> v = expand(parse_axes({"latent=8", "depth=3"}));
  const json j = variant_model_config(kMlp, v[0], "m.json");
  EXPECT_EQ(j["latent"], 8);
  EXPECT_EQ(j["hidden"], (json{256, 128, 64}));
  EXPECT_EQ(j["name"], "m-latent-8_depth-3");
  EXPECT_EQ(j["output_activation"], "sigmoid");
  const json h = variant_model_config(kMlp, expand(parse_axes({"hidden=64x16"}))[0], "m.json");
  EXPECT_EQ(h["hidden"], (json{64, 16}));
  EXPECT_EQ(h["latent"], 32);
  const json c = variant_model_config(kConv, expand(parse_axes({"depth=1"}))[0], "c.json");
  EXPECT_EQ(c["channels"], (json{32}));
}

TEST(Sweep, AConfigThatCannotTakeAnAxisIsAUsageError) {
  const auto config = [](const json& base, const std::string& axis) {
    return usage_error(
        [&] { variant_model_config(base, expand(parse_axes({axis}))[0], "x.json"); });
  };
  EXPECT_NE(config(kConv, "hidden=8").find("--vary hidden: x.json is a conv model"),
            std::string::npos);
  EXPECT_NE(config(kConv, "depth=3").find("depth must be between 1 and 2"), std::string::npos);
  EXPECT_NE(config(kConv, "depth=0").find("depth must be between 1 and 2"), std::string::npos);
  json tabular = kMlp;
  tabular["hidden"] = "auto";
  EXPECT_NE(config(tabular, "depth=1").find("no list of 'hidden' widths"), std::string::npos);
}

TEST(Sweep, TasksParseInAnyOrderAndRefuseUnknownOnes) {
  const Tasks t = parse_tasks("cluster,reconstruct");
  EXPECT_TRUE(t.reconstruct && t.cluster && !t.anomaly);
  EXPECT_EQ(t.names(), (std::vector<std::string>{"reconstruct", "cluster"}));
  EXPECT_NE(usage_error([] { parse_tasks("reconstruct,foo"); }).find("--tasks: unknown task 'foo'"),
            std::string::npos);
  EXPECT_NE(usage_error([] { parse_tasks("anomaly,anomaly"); }).find("listed twice"),
            std::string::npos);
  EXPECT_NE(usage_error([] { parse_tasks(""); }).find("no task given"), std::string::npos);
}

TEST(Sweep, ElbowIsThePointFarthestFromTheChord) {
  // An L: a steep drop to x = 2, then flat. The corner is the elbow whatever the units of y.
  const std::vector<double> x{1, 2, 3, 4, 5, 6};
  const Elbow e = find_elbow(x, {1.0, 0.3, 0.25, 0.22, 0.21, 0.2});
  EXPECT_EQ(e.index, 1);
  EXPECT_GT(e.distance, 0.4);
  const Elbow scaled = find_elbow(x, {100.0, 30.0, 25.0, 22.0, 21.0, 20.0});
  EXPECT_EQ(scaled.index, 1);
  EXPECT_NEAR(scaled.distance, e.distance, 1e-12);
  // By hand: points (0,1), (0.5,0), (1,0) after scaling; chord y = 1 - x; distance 0.5/sqrt(2).
  const Elbow h = find_elbow({1, 2, 3}, {10, 0, 0});
  EXPECT_EQ(h.index, 1);
  EXPECT_NEAR(h.distance, 0.5 / std::sqrt(2.0), 1e-12);
}

TEST(Sweep, NoElbowOnAStraightLineAFlatCurveOrTwoPoints) {
  EXPECT_EQ(find_elbow({1, 2, 3, 4}, {4, 3, 2, 1}).index, -1);
  EXPECT_EQ(find_elbow({1, 2, 3}, {5, 5, 5}).index, -1);
  EXPECT_EQ(find_elbow({1, 3}, {5, 1}).index, -1);
  EXPECT_THROW(find_elbow({1, 1, 2}, {3, 2, 1}), Error);
  EXPECT_THROW(find_elbow({1, 2}, {3}), Error);
  EXPECT_THROW(find_elbow({1, 2, 3}, {3, std::nan(""), 1}), Error);
}

// Entries as sweep.json holds them, with only what the elbow reads.
json entry(int latent, const std::string& loss, double mse) {
  return {{"name", "latent-" + std::to_string(latent) + "_loss-" + loss},
          {"settings", {{"latent", latent}, {"loss", loss}}},
          {"reconstruct", {{"mse", mse}}}};
}

TEST(Sweep, OneElbowPerGroupOfTheOtherSettings) {
  const std::vector<Axis> axes = parse_axes({"loss=mse,bce", "latent=2,4,8,16"});
  json variants = json::array();
  for (const auto& [loss, ys] : std::vector<std::pair<std::string, std::vector<double>>>{
           {"mse", {0.06, 0.04, 0.02, 0.019}}, {"bce", {0.05, 0.02, 0.018, 0.017}}})
    for (int i = 0; i < 4; ++i) variants.push_back(entry(2 << i, loss, ys[i]));
  const json e = find_elbows(axes, variants);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0]["group"], (json{{"loss", "mse"}}));
  EXPECT_EQ(e[0]["latent"], 8);
  EXPECT_EQ(e[0]["variant"], "latent-8_loss-mse");
  EXPECT_EQ(e[1]["latent"], 4);
  EXPECT_EQ(e[1]["points"].size(), 4u);
  EXPECT_TRUE(find_elbows(parse_axes({"loss=mse,bce"}), variants).empty());
  const json two = find_elbows(parse_axes({"latent=2,4"}),
                               json::array({entry(2, "mse", 0.1), entry(4, "mse", 0.05)}));
  ASSERT_EQ(two.size(), 1u);
  EXPECT_TRUE(two[0]["latent"].is_null());
  EXPECT_EQ(two[0]["why"], "fewer than 3 latent sizes");
}

TEST(Sweep, TheReconstructChartMarksTheElbow) {
  const std::vector<Axis> axes = parse_axes({"latent=2,4,8"});
  json sweep{{"data", "mnist"}, {"variants", json::array()}};
  for (auto [l, y] : std::vector<std::pair<int, double>>{{2, 0.06}, {4, 0.02}, {8, 0.019}})
    sweep["variants"].push_back(entry(l, "mse", y));
  for (json& v : sweep["variants"]) v["settings"].erase("loss");
  sweep["elbow"] = find_elbows(axes, sweep["variants"]);
  const report::Chart c = task_chart("reconstruct", axes, sweep);
  ASSERT_EQ(c.series.size(), 1u);
  EXPECT_EQ(c.series[0].x, (std::vector<double>{1, 2, 3}));  // log2 of the sizes
  ASSERT_EQ(c.vlines.size(), 1u);
  EXPECT_EQ(c.vlines[0].x, 2.0);
  EXPECT_EQ(c.vlines[0].label, "elbow: latent 4");
  EXPECT_EQ(c.xticks[2].second, "8");
}

}  // namespace
}  // namespace hg::sweep
