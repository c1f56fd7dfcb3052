// hourglass demo on the synthetic table: one self-contained report.html with the detection
// figures inlined; a second run reuses the trained model.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace hg::test {
namespace {

TEST(CliDemo, SyntheticReportIsSelfContained) {
  auto r = run_cli("demo --data synthetic --epochs 20 --device cpu --out demo_syn --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.last_out_line());
  EXPECT_EQ(j["failed_steps"], 0);
  EXPECT_GE(j["auroc"].get<double>(), 0.95);
  const std::string html = slurp(scratch_dir() + "/demo_syn/report.html");
  EXPECT_NE(html.find("<h1>Hourglass demo: synthetic</h1>"), std::string::npos);
  EXPECT_NE(html.find("AUROC"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_EQ(html.find("src=\"runs/"), std::string::npos);  // nothing refers to files outside the page
  r = run_cli("demo --data synthetic --device cpu --out demo_syn");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("reusing the trained model"), std::string::npos);
  expect_one_line_error(run_cli("demo --data cifar"), 2, "--data");
}

}  // namespace
}  // namespace hg::test
