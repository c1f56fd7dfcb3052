// hourglass sweep end to end on the 8x8 corner images (4 classes, 200 training and 80 test
// images): three latent sizes trained and measured by every task, sweep.json with the elbow,
// the charts and the table; bad flags as one-line usage errors; an existing folder kept without
// --force; a stopped sweep keeps its complete variants and --resume finishes it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "blob_images.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;

std::string sweep_args(const std::string& out, const std::string& vary = "latent=1,2,4") {
  const std::string cfg = scratch_dir() + "/sweep_mlp.json";
  if (!fs::exists(cfg))
    std::ofstream(cfg) << R"({"name": "sw", "type": "mlp", "hidden": [16], "latent": 2,
                             "output_activation": "sigmoid",
                             "defaults": {"lr": 0.01, "batch": 32, "patience": 0}})";
  return "sweep --config " + cfg + " --data idx:" + corner_image_set(8, 7) + " --vary " + vary +
         " --epochs 3 --device cpu --out " + out;
}

TEST(CliSweep, TrainsEveryVariantAndMarksTheElbow) {
  auto r = run_cli(sweep_args("sw_a") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = last_json(r);
  EXPECT_TRUE(j["complete"].get<bool>());
  ASSERT_EQ(j["variants"].size(), 3u);
  for (const auto& v : j["variants"]) {
    EXPECT_GT(v["reconstruct"]["mse"].get<double>(), 0.0) << v.dump();
    EXPECT_GT(v["reconstruct"]["psnr"].get<double>(), 0.0);
    EXPECT_EQ(v["anomaly"]["anomaly_class"], 3);  // the largest label by default
    EXPECT_EQ(v["anomaly"]["anomalous_test"], 20);
    EXPECT_GE(v["cluster"]["acc"].get<double>(), 0.25);  // 4 clusters: at least one per class
    EXPECT_EQ(v["cluster"]["k"], 4);
  }
  EXPECT_EQ(j["variants"][1]["name"], "latent-2");
  EXPECT_EQ(j["baseline"]["cluster"]["space"], "pixels");
  ASSERT_EQ(j["elbow"].size(), 1u);
  EXPECT_EQ(j["elbow"][0]["latent"], 2);  // three points: the middle one, unless collinear
  EXPECT_EQ(j["elbow"][0]["points"].size(), 3u);
  const std::string dir = scratch_dir() + "/sw_a";
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/sweep.json"))["elbow"], j["elbow"]);
  for (const char* task : {"reconstruct", "anomaly", "cluster"}) {
    EXPECT_TRUE(is_png(dir + "/" + task + ".png")) << task;
    EXPECT_TRUE(fs::exists(dir + "/" + task + ".svg")) << task;
  }
  EXPECT_NE(slurp(dir + "/reconstruct.svg").find("elbow: latent 2"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/variants/latent-4/result.json"));
  EXPECT_TRUE(fs::exists(dir + "/variants/latent-4/anomaly/checkpoint.safetensors"));
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/variants/latent-4/model.json"))["latent"], 4);

  r = run_cli(sweep_args("sw_a", "latent=1,2,4") + " --tasks reconstruct");
  expect_one_line_error(r, 1, "--out sw_a: already exists (use --force");
  r = run_cli(sweep_args("sw_a", "latent=1,2,4") + " --tasks reconstruct --force");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("elbow of the test MSE against log2(latent): latent 2"), std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(dir + "/anomaly.png"));  // --force replaced the whole folder
}

TEST(CliSweep, BadFlagsAreOneLineUsageErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {sweep_args("sw_b", "decoder-width=0.5,-1"), "--vary decoder-width: -1 is out of range"},
      {sweep_args("sw_b", "latent=0,2"), "--vary latent: 0 is out of range"},
      {sweep_args("sw_b", "depth=1") + " --vary hidden=8", "--vary depth: not with --vary hidden"},
      {sweep_args("sw_b") + " --tasks reconstruct,nope", "--tasks: unknown task 'nope'"},
      {sweep_args("sw_b") + " --anomaly-class 7", "--anomaly-class 7: no training row"},
      {sweep_args("sw_b") + " --epochs 0", "--epochs"},
      {sweep_args("sw_b") + " --resume --force", "--resume and --force"},
  };
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args);
    expect_one_line_error(run_cli(args), 2, message);
  }
  EXPECT_FALSE(fs::exists(scratch_dir() + "/sw_b"));
  fs::create_directories(scratch_dir() + "/sw_c");
  std::ofstream(scratch_dir() + "/sw_c/mine.txt") << "not a sweep";
  expect_one_line_error(run_cli(sweep_args("sw_c") + " --force"), 1, "is not a sweep folder");
  EXPECT_TRUE(fs::exists(scratch_dir() + "/sw_c/mine.txt"));
}

TEST(CliSweep, AStoppedSweepKeepsItsCompleteVariantsAndResumes) {
  auto r =
      run_cli(sweep_args("sw_d") + " --tasks reconstruct", "HG_TEST_SIGNAL_AT='sweep variant 2/'");
  expect_one_line_error(r, 130, "interrupted by SIGINT at variant latent-2");
  const std::string dir = scratch_dir() + "/sw_d";
  nlohmann::json j = nlohmann::json::parse(slurp(dir + "/sweep.json"));
  EXPECT_FALSE(j["complete"].get<bool>());
  EXPECT_EQ(j["variants_done"], 1);
  EXPECT_EQ(run_cli(sweep_args("sw_d") + " --tasks reconstruct,cluster --resume").code, 2);
  r = run_cli(sweep_args("sw_d") + " --tasks reconstruct --resume --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("latent-1: reusing the complete one"), std::string::npos) << r.err;
  j = last_json(r);
  EXPECT_TRUE(j["complete"].get<bool>());
  EXPECT_EQ(j["variants_done"], 3);
}

}  // namespace
}  // namespace hg::test
