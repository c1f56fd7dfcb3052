// Data-parallel training under mpirun (issue 19), 2 ranks on loopback: the run equals a
// one-process run with the same global batch up to float rounding (per tensor), for the MLP and
// the conv autoencoder; --resume works across rank counts; embed and detect score split their rows
// and write exactly the one-process file; other subcommands refuse mpirun; a killed rank ends the
// job with an error instead of a hang. Skipped, with the reason, in a build without
// MPI or on a machine without mpirun.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "blob_images.h"
#include "cli_runner.h"
#include "engine/io/safetensors.h"

namespace hg::test {
namespace {

const std::string kTabular = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";

std::string hourglass_bin() {
  const char* bin = std::getenv("HG_HOURGLASS_BIN");
  return bin ? bin : std::string(HG_BINARY_DIR) + "/hourglass";
}

// Why these tests cannot run here, or "" when they can.
std::string why_skip() {
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0)
    return "mpirun not found (scripts/install-deps installs openmpi-bin)";
  if (!last_json(run_cli("info --json")).value("mpi", false))
    return "this build has no MPI (install libopenmpi-dev and rebuild)";
  return "";
}

// `hourglass ARGS` as `ranks` MPI processes (root is allowed: CI runs as root).
CliResult mpirun(int ranks, const std::string& args) {
  return run_cli(
      args, "timeout 300 mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(ranks));
}

// The largest |a - b| / max |a| over the tensors of two checkpoints (names and shapes must agree).
double max_relative_difference(const std::string& a_path, const std::string& b_path) {
  const auto a = io::load_safetensors(scratch_dir() + "/" + a_path);
  const auto b = io::load_safetensors(scratch_dir() + "/" + b_path);
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t t = 0; t < std::min(a.size(), b.size()); ++t) {
    EXPECT_EQ(a[t].name, b[t].name);
    EXPECT_EQ(a[t].shape, b[t].shape) << a[t].name;
    if (a[t].data.size() != b[t].data.size()) continue;
    double scale = 0, diff = 0;
    for (size_t i = 0; i < a[t].data.size(); ++i) {
      scale = std::max(scale, std::fabs(double(a[t].data[i])));
      diff = std::max(diff, std::fabs(double(a[t].data[i]) - double(b[t].data[i])));
    }
    worst = std::max(worst, scale > 0 ? diff / scale : diff);
  }
  return worst;
}

#define HG_REQUIRE_MPI()                                                       \
  do {                                                                         \
    if (const std::string why = why_skip(); !why.empty()) GTEST_SKIP() << why; \
  } while (0)

TEST(CliDistributed, TwoRanksEqualOneProcessForTheMlp) {
  HG_REQUIRE_MPI();
  const std::string args = "train --data synthetic --config " + kTabular +
                           " --epochs 3 --batch 256 --threads 1 --patience 0 --json --out ";
  auto one = run_cli(args + "dp_one");
  ASSERT_EQ(one.code, 0) << one.err;
  auto two = mpirun(2, args + "dp_two");
  ASSERT_EQ(two.code, 0) << two.err;
  // One result line from rank 0, with the ranks and the exchange's share of the time.
  const auto j = last_json(two);
  EXPECT_EQ(j["ranks"], 2);
  EXPECT_GT(j["grad_bytes_per_step"].get<int64_t>(), 0);
  EXPECT_TRUE(j.contains("comm_fraction"));
  EXPECT_EQ(std::count(two.out.begin(), two.out.end(), '\n'), 1) << two.out;
  EXPECT_LT(
      max_relative_difference("dp_one/checkpoint.safetensors", "dp_two/checkpoint.safetensors"),
      1e-5);
  EXPECT_NEAR(j["final_train_loss"].get<double>(), last_json(one)["final_train_loss"], 1e-5);
}

TEST(CliDistributed, TwoRanksEqualOneProcessForTheConvAutoencoder) {
  HG_REQUIRE_MPI();
  const std::string cfg = scratch_dir() + "/dp_conv.json";
  std::ofstream(cfg) << R"({"name": "dpconv", "type": "conv", "input": 64, "image": [1, 8, 8],
    "channels": [4, 8], "kernel": 3, "stride": 2, "padding": 1, "latent": 6,
    "activation": "relu", "output_activation": "sigmoid", "batch_norm": false})";
  const std::string args = "train --data idx:" + image_set() + " --config " + cfg +
                           " --epochs 3 --batch 32 --threads 1 --patience 0 --out ";
  ASSERT_EQ(run_cli(args + "dpc_one").code, 0);
  auto two = mpirun(2, args + "dpc_two");
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_LT(
      max_relative_difference("dpc_one/checkpoint.safetensors", "dpc_two/checkpoint.safetensors"),
      1e-5);
}

// A 1-rank run resumed by 2 ranks, and a 2-rank run resumed by 1, both equal an unbroken run.
TEST(CliDistributed, ResumeWorksAcrossRankCounts) {
  HG_REQUIRE_MPI();
  const std::string args = "train --data synthetic --config " + kTabular +
                           " --batch 128 --threads 1 --patience 0 --no-restore-best ";
  ASSERT_EQ(run_cli(args + "--epochs 4 --out dpr_ref").code, 0);
  ASSERT_EQ(run_cli(args + "--epochs 2 --out dpr_a").code, 0);
  auto r = mpirun(2, "train --resume dpr_a --epochs 4 --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_LT(
      max_relative_difference("dpr_ref/checkpoint.safetensors", "dpr_a/checkpoint.safetensors"),
      1e-5);
  ASSERT_EQ(mpirun(2, args + "--epochs 2 --out dpr_b").code, 0);
  r = run_cli("train --resume dpr_b --epochs 4 --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_LT(
      max_relative_difference("dpr_ref/checkpoint.safetensors", "dpr_b/checkpoint.safetensors"),
      1e-5);
}

TEST(CliDistributed, OnlyTrainEmbedAndScoreRunUnderMpirun) {
  HG_REQUIRE_MPI();
  auto r = mpirun(2, "eval --run nowhere --data synthetic");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("only train, embed and detect score run under mpirun"), std::string::npos)
      << r.err;
}

// Rows split across the ranks and gathered in order: the same file as one process writes.
TEST(CliDistributed, DistributedScoringAndEmbeddingEqualOneProcess) {
  HG_REQUIRE_MPI();
  ASSERT_EQ(run_cli("train --data synthetic --config " + kTabular +
                    " --classes 0 --epochs 3 --threads 1 --out dps_run")
                .code,
            0);
  ASSERT_EQ(
      run_cli("detect fit --run dps_run --data synthetic --normal-classes 0 --score mse").code, 0);
  const std::string score = "detect score --run dps_run --data synthetic --per-feature --threads 1";
  ASSERT_EQ(run_cli(score + " --out dps_one.csv").code, 0);
  auto r = mpirun(3, score + " --out dps_three.csv --json");  // 1050 rows: 350 per rank
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_EQ(slurp(scratch_dir() + "/dps_one.csv"), slurp(scratch_dir() + "/dps_three.csv"));
  const std::string embed = "embed --run dps_run --data synthetic --threads 1 --out ";
  ASSERT_EQ(run_cli(embed + "dpe_one.csv").code, 0);
  ASSERT_EQ(mpirun(2, embed + "dpe_two.csv").code, 0);
  EXPECT_EQ(slurp(scratch_dir() + "/dpe_one.csv"), slurp(scratch_dir() + "/dpe_two.csv"));
}

// A rank killed mid-training ends the job (mpirun stops the other rank) instead of leaving it
// waiting in a collective; the run folder still loads.
TEST(CliDistributed, AKilledRankEndsTheJobWithAnError) {
  HG_REQUIRE_MPI();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string err = scratch_dir() + "/dpk.err";
    if (!std::freopen(err.c_str(), "w", stderr) || !std::freopen("/dev/null", "w", stdout))
      _exit(99);
    if (::chdir(scratch_dir().c_str()) != 0) _exit(99);
    const std::string bin = hourglass_bin();
    ::execlp("mpirun", "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", bin.c_str(),
             "train", "--data", "synthetic", "--config", kTabular.c_str(), "--epochs", "100000",
             "--patience", "0", "--threads", "1", "--out", "dp_killed",
             static_cast<char*>(nullptr));
    _exit(98);
  }
  for (int i = 0;
       i < 600 && slurp(scratch_dir() + "/dpk.err").find("epoch 3/") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The newest process naming the run folder is a rank (mpirun started first).
  EXPECT_EQ(std::system("pkill -9 -n -f '[h]ourglass train.*dp_killed'"), 0);
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 600 && done == 0; ++i) {  // at most 60 s
    done = ::waitpid(pid, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (done == 0) {  // never leave the job behind, whatever failed
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    (void)std::system("pkill -9 -f '[h]ourglass train.*dp_killed'");
  }
  ASSERT_NE(done, 0) << "the job still ran 60 s after a rank was killed";
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(slurp(scratch_dir() + "/dpk.err").find("rank"), std::string::npos);
  auto eval = run_cli("eval --run dp_killed --data synthetic");
  EXPECT_EQ(eval.code, 0) << eval.err;
}

}  // namespace
}  // namespace hg::test
