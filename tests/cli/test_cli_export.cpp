// hourglass export from the outside: every part of a small tabular run is written as an ONNX
// file whose --json summary names opset 13, the symbolic batch "N" and the part's shapes, and
// every user error (missing run, unknown --part, existing --out, missing --out) is one line.
// Numerical parity with an ONNX runtime is checked in tests/python/test_onnx_export.py (OpenCV).
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;
const std::string kSeeds = std::string(HG_SOURCE_DIR) + "/models/configs/tabular_seeds.json";

const std::string& seeds_run() {
  static const std::string dir = [] {
    const std::string d = scratch_dir() + "/export-run";
    auto r = run_cli("train --data synthetic --config " + kSeeds +
                     " --epochs 1 --min-steps 1 --force --out " + d);
    EXPECT_EQ(r.code, 0) << r.err;
    return d;
  }();
  return dir;
}

// Whether this hourglass was built with the ONNX writer (libonnx-dev).
bool built_with_onnx() {
  auto r = run_cli("export --run " + seeds_run() + " --out " + scratch_dir() + "/probe.onnx" +
                   " --force");
  return r.err.find("built without ONNX") == std::string::npos;
}

TEST(ExportCli, EveryPartWritesAnOnnxModelWithItsShapes) {
  if (!built_with_onnx()) GTEST_SKIP() << "hourglass was built without libonnx-dev";
  struct Want {
    const char* part;
    const char* in;
    const char* out;
    int64_t in_width;  // -1: no second dimension
    int64_t out_width;
  };
  // tabular_seeds on the synthetic table: D = 10 features, a 2-value code.
  for (const Want& w : {Want{"autoencoder", "input", "reconstruction", 10, 10},
                        Want{"encoder", "input", "latent", 10, 2},
                        Want{"decoder", "latent", "reconstruction", 2, 10},
                        Want{"score", "input", "score", 10, -1}}) {
    const std::string out = scratch_dir() + "/" + w.part + ".onnx";
    auto r = run_cli("export --run " + seeds_run() + " --part " + w.part + " --out " + out +
                     " --force --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = last_json(r);
    EXPECT_EQ(j["part"], w.part);
    EXPECT_EQ(j["opset"], 13);
    EXPECT_GT(j["nodes"].get<int>(), 0);
    EXPECT_GT(j["parameters"].get<int>(), 0);
    EXPECT_EQ(j["inputs"][0]["name"], w.in);
    EXPECT_EQ(j["inputs"][0]["shape"][0], "N");
    EXPECT_EQ(j["inputs"][0]["shape"][1], w.in_width);
    EXPECT_EQ(j["outputs"][0]["name"], w.out);
    EXPECT_EQ(j["outputs"][0]["shape"].size(), w.out_width < 0 ? 1u : 2u);
    const std::string bytes = slurp(out);
    ASSERT_GT(bytes.size(), 2u);
    EXPECT_EQ(bytes.substr(0, 2), std::string("\x08\x07", 2));  // field 1 (ir_version) = 7
  }
}

TEST(ExportCli, UserErrorsAreOneLine) {
  const std::string out = scratch_dir() + "/errors.onnx";
  fs::remove(out);
  expect_one_line_error(run_cli("export --run " + scratch_dir() + "/no-such-run --out " + out), 1,
                        "no-such-run");
  EXPECT_FALSE(fs::exists(out));
  expect_one_line_error(run_cli("export --run " + seeds_run() + " --part middle --out " + out), 2,
                        "--part");
  expect_one_line_error(run_cli("export --run " + seeds_run()), 2, "--out");
  write_bytes(out, "keep me");
  expect_one_line_error(run_cli("export --run " + seeds_run() + " --out " + out), 1, "--out");
  EXPECT_EQ(slurp(out), "keep me");
}

}  // namespace
}  // namespace hg::test
