// Interruption, bad values and bad files (issue 17): signals stop at a safe point with 130 / 143,
// a killed training always leaves a folder that loads and resumes to an epoch whose files agree,
// flag values out of range are errors naming the flag, and damaged checkpoints are refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;
const std::string kTabular = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";

std::string hourglass_bin() {
  const char* bin = std::getenv("HG_HOURGLASS_BIN");
  return bin ? bin : std::string(HG_BINARY_DIR) + "/hourglass";
}

// A training that runs until stopped, as a child process with stderr in `err_path`.
pid_t start_long_training(const std::string& out, const std::string& err_path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!std::freopen(err_path.c_str(), "w", stderr) || !std::freopen("/dev/null", "w", stdout))
      _exit(99);
    if (::chdir(scratch_dir().c_str()) != 0) _exit(99);
    const std::string bin = hourglass_bin();
    ::execl(bin.c_str(), bin.c_str(), "train", "--data", "synthetic", "--config", kTabular.c_str(),
            "--epochs", "100000", "--patience", "0", "--threads", "1", "--out", out.c_str(),
            "--force", static_cast<char*>(nullptr));
    _exit(98);
  }
  return pid;
}

// Waits until `needle` appears in the file (or 60 s pass).
bool wait_for_text(const std::string& path, const std::string& needle) {
  for (int i = 0; i < 600; ++i) {
    if (slurp(path).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The safetensors metadata value `key` of a file (its JSON header).
std::string safetensors_meta(const std::string& path, const std::string& key) {
  const std::string s = slurp(path);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(static_cast<unsigned char>(s.at(i))) << (8 * i);
  return nlohmann::json::parse(s.substr(8, n)).at("__metadata__").at(key).get<std::string>();
}

TEST(CliReliability, SigintAndSigtermStopTrainingAtASafePoint) {
  for (int sig : {SIGINT, SIGTERM}) {
    const std::string out = "sig" + std::to_string(sig), err = scratch_dir() + "/" + out + ".err";
    const pid_t pid = start_long_training(out, err);
    ASSERT_TRUE(wait_for_text(err, "epoch 2/")) << slurp(err);
    ::kill(pid, sig);
    EXPECT_EQ(wait_exit_code(pid), 128 + sig) << slurp(err);
    const std::string text = slurp(err);
    EXPECT_NE(text.find("keeping the checkpoint of epoch"), std::string::npos) << text;
    auto eval = run_cli("eval --run " + out + " --data synthetic --json");
    EXPECT_EQ(eval.code, 0) << eval.err;
  }
}

// 10 SIGKILLs at random moments: every time the folder either resumes to an epoch whose
// checkpoint, optimizer state, metrics and manifest agree, or (no epoch finished yet) takes a
// fresh training without --force.
TEST(CliReliability, KillLoopAlwaysLeavesAConsistentRunFolder) {
  std::mt19937 rng(2026);
  const std::string out = "killed", dir = scratch_dir() + "/" + out;
  for (int trial = 0; trial < 10; ++trial) {
    const pid_t pid = start_long_training(out, dir + ".err");
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 1500));
    ::kill(pid, SIGKILL);
    wait_exit_code(pid);
    if (!fs::exists(dir + "/manifest.json")) {  // killed before the first commit
      auto fresh =
          run_cli("train --data synthetic --config " + kTabular + " --epochs 1 --out " + out);
      EXPECT_EQ(fresh.code, 0) << "trial " << trial << ": " << fresh.err;
      continue;
    }
    const int64_t committed =
        nlohmann::json::parse(slurp(dir + "/manifest.json"))["epoch"].get<int64_t>();
    auto resumed = run_cli("train --resume " + out + " --epochs " + std::to_string(committed + 1));
    ASSERT_EQ(resumed.code, 0) << "trial " << trial << ": " << resumed.err;
    const int64_t epoch = committed + 1;
    EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/manifest.json"))["epoch"].get<int64_t>(), epoch);
    EXPECT_EQ(safetensors_meta(dir + "/optimizer.safetensors", "epoch"), std::to_string(epoch));
    EXPECT_EQ(safetensors_meta(dir + "/last.safetensors", "epoch"), std::to_string(epoch));
    EXPECT_EQ(int64_t(nlohmann::json::parse(slurp(dir + "/metrics.json"))["history"].size()),
              epoch);
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      EXPECT_EQ(name.find(".tmp."), std::string::npos) << "stale temporary " << name;
      EXPECT_EQ(name.find(".next"), std::string::npos) << "stale staged file " << name;
    }
  }
}

TEST(CliReliability, InterruptedFirstEpochLeavesAFolderThatTrainsAgain) {
  const std::string out = "first", err = scratch_dir() + "/first.err";
  const pid_t pid = ::fork();
  if (pid == 0) {  // a large table: epoch 1 takes long enough to be interrupted
    if (!std::freopen(err.c_str(), "w", stderr) || !std::freopen("/dev/null", "w", stdout))
      _exit(99);
    if (::chdir(scratch_dir().c_str()) != 0) _exit(99);
    const std::string bin = hourglass_bin();
    ::execl(bin.c_str(), bin.c_str(), "train", "--data", "fashion-mnist", "--config",
            (std::string(HG_SOURCE_DIR) + "/models/configs/mlp784.json").c_str(), "--threads", "1",
            "--out", out.c_str(), static_cast<char*>(nullptr));
    _exit(98);
  }
  ASSERT_TRUE(wait_for_text(err, "->")) << slurp(err);  // the run header: training has started
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGINT);
  const int code = wait_exit_code(pid);
  if (code == 1 && slurp(err).find("fashion") != std::string::npos)
    GTEST_SKIP() << "no Fashion-MNIST here: " << slurp(err);
  EXPECT_EQ(code, 130) << slurp(err);
  EXPECT_NE(slurp(err).find("no epoch finished"), std::string::npos) << slurp(err);
  expect_one_line_error(run_cli("eval --run " + out + " --data synthetic"), 1,
                        "incomplete run folder");
  auto again = run_cli("train --data synthetic --config " + kTabular + " --epochs 1 --out " + out);
  EXPECT_EQ(again.code, 0) << again.err;
}

TEST(CliReliability, FlagValuesOutOfRangeAreErrors) {
  const std::string base = "train --data synthetic --config " + kTabular + " --out bad_flags ";
  for (const auto& [flag, needle] :
       std::vector<std::pair<std::string, std::string>>{{"--epochs 0", "--epochs"},
                                                        {"--batch 0", "--batch"},
                                                        {"--lr 0", "--lr"},
                                                        {"--lr nan", "--lr"},
                                                        {"--lr -1", "--lr"},
                                                        {"--weight-decay -0.5", "--weight-decay"},
                                                        {"--weight-decay nan", "--weight-decay"},
                                                        {"--clip-grad-norm -1", "--clip-grad-norm"},
                                                        {"--seed -1", "--seed"},
                                                        {"--val-split 1", "--val-split"},
                                                        {"--limit 0", "--limit"},
                                                        {"--patience -2", "--patience"},
                                                        {"--threads -3", "--threads"}})
    expect_one_line_error(run_cli(base + flag), 2, needle);
  EXPECT_FALSE(fs::exists(scratch_dir() + "/bad_flags"));
  // Counts in the other subcommands: 0 is an error, never "all" or the default.
  const std::vector<std::pair<std::string, std::string>> counts = {
      {"eval --run nowhere --data synthetic --limit 0", "--limit"},
      {"detect fit --run nowhere --data synthetic --ensemble 0", "--ensemble"},
      {"cluster --run nowhere --data synthetic --k 0", "--k"},
      {"reconstruct --run nowhere --data synthetic --n 0 --out r.png", "--n"}};
  for (const auto& [cmd, flag] : counts) expect_one_line_error(run_cli(cmd), 2, flag);
  // Real values, seeds and thread counts of the other subcommands: NaN, negative and absurd
  // values are refused at parsing, naming the flag (no run folder is even read).
  const std::vector<std::pair<std::string, std::string>> reals = {
      {"analyze kmeans --data synthetic --tol nan", "--tol"},
      {"analyze kmeans --data synthetic --tol 5", "--tol"},
      {"analyze kmeans --data synthetic --threads -1", "--threads"},
      {"analyze tsne --data synthetic --perplexity 0", "--perplexity"},
      {"analyze tsne --data synthetic --theta inf", "--theta"},
      {"analyze tsne --data synthetic --dims 4", "--dims"},
      {"analyze silhouette --data synthetic --sample -1", "--sample"},
      {"cluster --run nowhere --data synthetic --perplexity -1", "--perplexity"},
      {"cluster --run nowhere --data synthetic --seed -1", "--seed"},
      {"detect fit --run nowhere --data synthetic --knn-power nan", "--knn-power"},
      {"detect fit --run nowhere --data synthetic --knn-blur 1e300", "--knn-blur"},
      {"detect fit --run nowhere --data synthetic --seed -2", "--seed"},
      {"detect score --run nowhere --data synthetic --out s.csv --limit 0", "--limit"},
      {"denoise --run nowhere --data synthetic --noise gaussian:0.1 --seed -1", "--seed"},
      {"generate --run nowhere --out g.png --zoom 0", "--zoom"},
      {"transfer --run nowhere --data synthetic --patience 0", "--patience"},
      {"transfer --run nowhere --data synthetic --max-steps abc",
       "--max-steps: 'abc' is not a valid"},
      {"train --data synthetic --seed 1.5", "--seed"}};
  for (const auto& [cmd, flag] : reals) expect_one_line_error(run_cli(cmd), 2, flag);
}

TEST(CliReliability, ResumeRefusesFlagsItCannotApply) {
  ASSERT_EQ(run_cli("train --data synthetic --config " + kTabular + " --epochs 1 --out res").code,
            0);
  for (const char* flag : {"--batch 8", "--lr 0.1", "--out elsewhere", "--seed 3", "--limit 10"})
    expect_one_line_error(run_cli(std::string("train --resume res --epochs 2 ") + flag), 2,
                          std::string(flag).substr(0, std::string(flag).find(' ')));
}

TEST(CliReliability, DamagedCheckpointsAreRefusedNamingTheFile) {
  ASSERT_EQ(run_cli("train --data synthetic --config " + kTabular + " --epochs 1 --out dmg").code,
            0);
  const std::string ckpt = scratch_dir() + "/dmg/checkpoint.safetensors";
  std::string bytes = slurp(ckpt);
  bytes[bytes.size() - 3] ^= 0x10;  // one flipped bit in a weight
  write_bytes(ckpt, bytes);
  expect_one_line_error(run_cli("eval --run dmg --data synthetic"), 1, "checksum");
  // A NaN weight with a checksum that matches it: refused as non-finite, naming the tensor.
  bytes = slurp(ckpt);
  bytes[bytes.size() - 3] ^= 0x10;
  const uint64_t n = [&] {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
    return v;
  }();
  nlohmann::json header = nlohmann::json::parse(bytes.substr(8, n));
  header["__metadata__"].erase("hourglass_crc32");  // as another writer's file would be
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string data = bytes.substr(8 + n);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&data[data.size() - 4], &nan, 4);
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  write_bytes(ckpt, len + text + data);
  expect_one_line_error(run_cli("eval --run dmg --data synthetic"), 1, "non-finite");
}

TEST(CliReliability, ThreadsBeyondTheMachineAreCappedWithAWarning) {
  auto r = run_cli("train --data synthetic --config " + kTabular +
                   " --epochs 1 --threads 1000 --out thr --json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("--threads 1000"), std::string::npos) << r.err;
  EXPECT_LE(last_json(r).value("threads", 0), int(std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace hg::test
