// hourglass demo: one self-contained report.html in which every section's verdict is computed
// from the figures it shows (checked here against the numbers in the summary), on the synthetic
// table and on a small 28x28 image set (every application, each model capped at a few epochs).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "blob_images.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

// A section's verdict must follow from its own figure and baselines: who wins, and the numbers
// it quotes.
void expect_computed_verdict(const std::string& name, const nlohmann::json& s) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(s.contains("verdict")) << s.dump();
  ASSERT_TRUE(s["ours"]["value"].is_number()) << s.dump();
  const double ours = s["ours"]["value"];
  double best = ours;
  std::string winner = s["ours"]["name"];
  for (const auto& b : s["baselines"])
    if (b["value"].get<double>() > best) best = b["value"], winner = b["name"];
  EXPECT_EQ(s["wins"].get<bool>(), winner == s["ours"]["name"].get<std::string>());
  EXPECT_EQ(s["winner"], winner);
  const std::string v = s["verdict"];
  EXPECT_NE(v.find(winner + " wins"), std::string::npos) << v;
  EXPECT_NE(v.find(s["ours"]["name"].get<std::string>()), std::string::npos) << v;
}

TEST(CliDemo, SyntheticReportIsSelfContained) {
  auto r = run_cli("demo --data synthetic --epochs 20 --device cpu --out demo_syn --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.last_out_line());
  EXPECT_EQ(j["failed_steps"], 0);
  EXPECT_GE(j["sections"]["anomaly"]["auroc"].get<double>(), 0.95);
  for (const char* s : {"anomaly", "clustering"}) expect_computed_verdict(s, j["sections"][s]);
  const std::string html = slurp(scratch_dir() + "/demo_syn/report.html");
  EXPECT_NE(html.find("<h1>Hourglass demo: synthetic</h1>"), std::string::npos);
  EXPECT_NE(html.find("Verdict: " + j["sections"]["anomaly"]["verdict"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_EQ(html.find("src=\"runs/"),
            std::string::npos);  // nothing refers to files outside the page
  r = run_cli("demo --data synthetic --device cpu --out demo_syn");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("reusing the trained model"), std::string::npos);
  expect_one_line_error(run_cli("demo --data cifar"), 2, "cifar");
}

TEST(CliDemo, ImageDemoRunsEverySectionWithComputedVerdicts) {
  const std::string data = "idx:" + corner_image_set(28, 11);
  auto r = run_cli("demo --data " + data + " --epochs 2 --device cpu --out demo_img --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.last_out_line());
  EXPECT_EQ(j["failed_steps"], 0);
  for (const char* s : {"anomaly", "compression", "denoising", "clustering"})
    expect_computed_verdict(s, j["sections"][s]);
  // Transfer: one verdict per label count, each from its own pair of accuracies.
  const auto& t = j["sections"]["transfer"];
  ASSERT_FALSE(t["per_count"].empty());
  bool all = true;
  for (const auto& c : t["per_count"]) {
    EXPECT_EQ(c["wins"].get<bool>(), c["pretrained"].get<double>() >= c["scratch"].get<double>());
    all = all && c["wins"].get<bool>();
  }
  EXPECT_EQ(t["wins"].get<bool>(), all);
  const std::string html = slurp(scratch_dir() + "/demo_img/report.html");
  for (const char* s : {"anomaly", "compression", "denoising", "clustering", "transfer"})
    EXPECT_NE(html.find("Verdict: " + j["sections"][s]["verdict"].get<std::string>()),
              std::string::npos)
        << s;
  for (const char* f : {"model", "pretrained", "denoiser", "compressor"})
    EXPECT_TRUE(is_png(scratch_dir() + "/demo_img/" + f + "/loss_curve.png")) << f;
}

}  // namespace
}  // namespace hg::test
