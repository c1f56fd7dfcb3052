// The CLI as a user meets it: every error case gives exit code 1 (2 for usage) and exactly one
// line on stderr naming the file or flag; JSON summaries are the last line of stdout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;
const std::string kTabular = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";
const std::string kMlp784 = std::string(HG_SOURCE_DIR) + "/models/configs/mlp784.json";

TEST(Cli, TrainJsonSummaryOnTheSyntheticTable) {
  auto r = run_cli("train --data synthetic --config " + kTabular +
                   " --epochs 50 --threads 2 --device cpu --out run_json --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.last_out_line());
  for (const char* k : {"epochs", "first_train_loss", "final_train_loss", "final_val_loss",
                        "seconds", "samples_per_s", "device"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["epochs"], 50);
  EXPECT_LT(j["final_train_loss"].get<double>(), 0.5 * j["first_train_loss"].get<double>());
  EXPECT_EQ(j["device"], "cpu");
  EXPECT_NE(r.err.find("epoch 50/50"), std::string::npos);

  auto e = run_cli("eval --run run_json --data synthetic --json");
  ASSERT_EQ(e.code, 0) << e.err;
  auto je = nlohmann::json::parse(e.last_out_line());
  EXPECT_EQ(je["n"], 1050);
  EXPECT_GT(je["loss"].get<double>(), 0.0);
}

TEST(Cli, InfoJson) {
  auto r = run_cli("info --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.last_out_line());
  EXPECT_TRUE(j.contains("cuda_built"));
  EXPECT_TRUE(j["devices"].is_array());
  EXPECT_FALSE(j["gpu"].get<std::string>().empty());
}

TEST(Cli, MissingDataDirectory) {
  auto r = run_cli("train --data idx:/nonexistent/dir --config " + kTabular + " --out x1");
  expect_one_line_error(r, 1, "/nonexistent/dir");
}

TEST(Cli, MissingConfigFile) {
  auto r = run_cli("train --data synthetic --config /nonexistent/model.json --out x2");
  expect_one_line_error(r, 1, "/nonexistent/model.json");
}

TEST(Cli, TruncatedIdx) {
  const std::string dir = scratch_dir() + "/trunc";
  fs::create_directories(dir);
  write_bytes(dir + "/train-images-idx3-ubyte",
              idx_header(3, {10, 28, 28}) + std::string(100, '\0'));
  write_bytes(dir + "/train-labels-idx1-ubyte", idx_header(1, {10}) + std::string(10, '\0'));
  auto r = run_cli("train --data idx:" + dir + " --config " + kMlp784 + " --out x3");
  expect_one_line_error(r, 1, "train-images-idx3-ubyte");
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

TEST(Cli, WrongMagicIdx) {
  const std::string dir = scratch_dir() + "/magic";
  fs::create_directories(dir);
  write_bytes(dir + "/train-images-idx3-ubyte", "GIF89a not an idx file at all");
  write_bytes(dir + "/train-labels-idx1-ubyte", idx_header(1, {1}) + std::string(1, '\0'));
  auto r = run_cli("train --data idx:" + dir + " --config " + kMlp784 + " --out x4");
  expect_one_line_error(r, 1, "train-images-idx3-ubyte");
}

TEST(Cli, CsvBadCellNamesLineAndColumn) {
  const std::string csv = scratch_dir() + "/bad.csv";
  write_bytes(csv, "a,b,label\n1,2,0\n3,oops,1\n");
  auto r = run_cli("train --data csv:" + csv + ",label=label --config " + kTabular + " --out x5");
  expect_one_line_error(r, 1, "bad.csv:3");
  EXPECT_NE(r.err.find("oops"), std::string::npos) << r.err;
}

TEST(Cli, ModelInputMismatch) {
  auto r = run_cli("train --data synthetic --config " + kMlp784 + " --out x6");
  expect_one_line_error(r, 1, "mlp784.json");
  EXPECT_NE(r.err.find("784"), std::string::npos);
}

TEST(Cli, NanLossNamesTheEpoch) {
  auto r = run_cli("train --data synthetic --config " + kTabular +
                   " --optimizer sgd --lr 1e30 --epochs 3 --out x7");
  expect_one_line_error(r, 1, "epoch 1");
  EXPECT_NE(r.err.find("--lr"), std::string::npos);
}

TEST(Cli, ExistingOutWithoutForce) {
  fs::create_directories(scratch_dir() + "/taken");
  auto r = run_cli("train --data synthetic --config " + kTabular + " --epochs 1 --out taken");
  expect_one_line_error(r, 1, "--force");
  auto ok =
      run_cli("train --data synthetic --config " + kTabular + " --epochs 1 --out taken --force");
  EXPECT_EQ(ok.code, 0) << ok.err;
}

TEST(Cli, UsageErrorsExitTwo) {
  expect_one_line_error(run_cli("train --no-such-flag"), 2, "--no-such-flag");
  expect_one_line_error(
      run_cli("train --data synthetic --config " + kTabular + " --loss hinge --out x8"), 2,
      "--loss");
  expect_one_line_error(run_cli("train --data nosuchdata --config " + kTabular + " --out x9"), 2,
                        "--data");
  expect_one_line_error(
      run_cli("train --data synthetic --config " + kTabular + " --device tpu --out x10"), 2,
      "--device");
  expect_one_line_error(
      run_cli("train --data synthetic --config " + kTabular + " --classes 3-x --out x11"), 2,
      "--classes");
  expect_one_line_error(
      run_cli("train --data synthetic --config " + kTabular + " --gemm fastest --out x13"), 2,
      "--gemm");
  expect_one_line_error(
      run_cli("train --data synthetic --config " + kTabular + " --conv fft --out x14"), 2,
      "--conv");
}

TEST(Cli, KernelChoicesAndCudaGraphOnTheCpu) {
  // CPU kernel names are honoured; --cuda-graph is ignored on the CPU, said once.
  auto info = nlohmann::json::parse(run_cli("info --json").last_out_line());
  ASSERT_TRUE(info.contains("gemm_kernels"));
  ASSERT_TRUE(info.contains("conv_algos"));
  auto r = run_cli(
      "train --data synthetic --config " + kTabular +
      " --epochs 2 --device cpu --gemm hg --conv im2col --cuda-graph --out x15 --force --json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("--cuda-graph: ignored on the CPU"), std::string::npos) << r.err;
  // A CUDA kernel named for a CPU run would silently not run: an error, from a flag or the
  // environment (a build without CUDA does not know the name at all: also an error).
  expect_one_line_error(run_cli("train --data synthetic --config " + kTabular +
                                " --epochs 1 --device cpu --gemm cublas --out x16 --force"),
                        2, "--gemm");
  expect_one_line_error(run_cli("eval --run x15 --data synthetic --device cpu", "HG_CONV=cudnn"), 2,
                        "cudnn");
  EXPECT_FALSE(std::filesystem::exists(scratch_dir() + "/x16"));
}

TEST(Cli, CudaWithoutUsableGpuFailsCleanly) {
  auto info = nlohmann::json::parse(run_cli("info --json").last_out_line());
  if (info["devices"].size() > 0 && info.value("cuda_training", false))
    GTEST_SKIP() << "a usable GPU is present; this test covers machines without one";
  auto r = run_cli("train --data synthetic --config " + kTabular + " --device cuda --out x12");
  expect_one_line_error(r, 1, "--device cuda");
}

TEST(Cli, EvalOfMissingRun) {
  expect_one_line_error(run_cli("eval --run /nonexistent/run --data synthetic"), 1,
                        "/nonexistent/run");
}

}  // namespace
}  // namespace hg::test
