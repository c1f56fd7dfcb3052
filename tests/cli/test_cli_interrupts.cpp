// Interruption and disk faults in every long-running subcommand (issue 17), beyond train: each
// stops at a safe point with 130 (SIGINT) or 143 (SIGTERM) and a one-line message, leaving no
// partial output; an interrupted ensemble member is trained again, never reused; a full disk is a
// one-line error that leaves nothing half-written and nothing that blocks the rerun.
//
// The signals come from $HG_TEST_SIGNAL_AT (engine/util/interrupt.h): the command raises the real
// signal at itself at the named safe point, so a fast command is stopped at a known place rather
// than by a racing kill().
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "blob_images.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;

// An MLP on the 8x8 blob images, trained once per process.
const std::string& image_run() {
  static const std::string run = [] {
    const std::string cfg = scratch_dir() + "/int_mlp.json";
    std::ofstream(cfg) << R"({"name": "int", "type": "mlp", "hidden": [24], "latent": 4,
                             "output_activation": "sigmoid"})";
    auto r = run_cli("train --data idx:" + image_set() + " --config " + cfg +
                     " --epochs 4 --device cpu --out int_run");
    EXPECT_EQ(r.code, 0) << r.err;
    return std::string("int_run");
  }();
  return run;
}

std::string data() { return " --data idx:" + image_set() + " --device cpu"; }

// Names in the scratch folder that a stage or a temporary left behind.
std::vector<std::string> leftovers() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(scratch_dir())) {
    const std::string name = e.path().filename().string();
    if (name.find(".partial.") != std::string::npos || name.find(".tmp") != std::string::npos)
      out.push_back(name);
  }
  return out;
}

struct Case {
  std::string args, at, output;  // the command, the safe point, what must not appear
};

TEST(CliInterrupts, EveryLongCommandStopsAtASafePointAndWritesNothing) {
  const std::string run = image_run();
  ASSERT_EQ(run_cli("compress --run " + run + data() + " --out int_a.hgz").code, 0);
  ASSERT_EQ(run_cli("detect fit --run " + run + data() + " --score mse").code, 0);
  const std::vector<Case> cases = {
      {"compress --run " + run + data() + " --out int_c.hgz", "encoding", "int_c.hgz"},
      {"embed --run " + run + data() + " --out int_e.csv", "encoding", "int_e.csv"},
      {"cluster --run " + run + data() + " --k 3 --method kmeans --out-dir int_cl", "k-means",
       "int_cl"},
      {"denoise --run " + run + data() + " --noise gaussian:0.2 --out int_d.png", "denoising",
       "int_d.png"},
      {"detect score --run " + run + data() + " --out int_s.csv", "scoring", "int_s.csv"},
      {"decompress --run " + run + " --in int_a.hgz --out int_dec", "decompress", "int_dec"},
      {"eval --run " + run + data(), "evaluating", ""},
      {"transfer --run " + run + data() + " --labels 20 --max-steps 50 --plot int_tr.png",
       "training the classifier", "int_tr.png"},
      {"analyze tsne --data idx:" + image_set() + " --iters 300 --perplexity 5 --out int_t.csv",
       "t-SNE", "int_t.csv"},
  };
  for (const Case& c : cases) {
    for (const bool term : {false, true}) {
      SCOPED_TRACE(c.args + (term ? " (SIGTERM)" : " (SIGINT)"));
      auto r = run_cli(c.args, "HG_TEST_SIGNAL_AT='" + c.at + (term ? ":TERM'" : "'"));
      expect_one_line_error(r, term ? 143 : 130,
                            std::string("interrupted by ") + (term ? "SIGTERM" : "SIGINT"));
      if (!c.output.empty()) {
        EXPECT_FALSE(fs::exists(scratch_dir() + "/" + c.output));
      }
      EXPECT_EQ(leftovers(), std::vector<std::string>{});
    }
    if (!c.output.empty()) {  // the same command, not interrupted, then writes its output
      EXPECT_EQ(run_cli(c.args).code, 0) << c.args;
    }
  }
}

TEST(CliInterrupts, AnInterruptedEnsembleMemberIsTrainedAgainNotReused) {
  const std::string run = "int_ens";
  const std::string cfg = scratch_dir() + "/int_ens.json";
  std::ofstream(cfg) << R"({"name": "ens", "type": "mlp", "hidden": [16], "latent": 3})";
  ASSERT_EQ(
      run_cli("train --data synthetic --config " + cfg + " --classes 0 --epochs 2 --out " + run)
          .code,
      0);
  const std::string fit =
      "detect fit --run " + run + " --data synthetic --normal-classes 0 --ensemble 3 --score mse";
  auto r = run_cli(fit, "HG_TEST_SIGNAL_AT=ensemble/2");
  expect_one_line_error(r, 130, "ensemble member 2");
  const std::string dir = scratch_dir() + "/" + run;
  EXPECT_TRUE(fs::exists(dir + "/ensemble/1/member_complete.json"));
  EXPECT_FALSE(fs::exists(dir + "/ensemble/2/member_complete.json"));
  EXPECT_FALSE(fs::exists(dir + "/detector.json"));
  r = run_cli(fit);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("reusing ensemble member"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("training ensemble member 2"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("training ensemble member 1"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/ensemble/2/member_complete.json"));
}

TEST(CliInterrupts, ClusterReplacesItsFolderWholeOnlyWithForce) {
  const std::string args =
      "cluster --run " + image_run() + data() + " --k 3 --method kmeans --out-dir int_rep";
  ASSERT_EQ(run_cli(args).code, 0);
  const std::string dir = scratch_dir() + "/int_rep";
  std::ofstream(dir + "/stale.txt") << "from another run";
  expect_one_line_error(run_cli(args), 1, "--force");
  EXPECT_TRUE(fs::exists(dir + "/stale.txt"));
  ASSERT_EQ(run_cli(args + " --force").code, 0);
  EXPECT_FALSE(fs::exists(dir + "/stale.txt"));
  EXPECT_TRUE(fs::exists(dir + "/cluster.json"));
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

// A small tmpfs filled to the last few pages, so outputs start to fit and then meet ENOSPC.
class FullDisk {
 public:
  FullDisk() : dir_(scratch_dir() + "/full") {
    fs::create_directories(dir_);
    if (::geteuid() != 0 || ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=512k") != 0) {
      why_ = "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)";
      return;
    }
    mounted_ = true;
    std::ofstream fill(dir_ + "/filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (fill.write(block.data(), block.size()) && fill.flush()) {}
  }
  ~FullDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  // Frees `bytes` of the filler (whole pages) so that some files fit.
  void leave_free(size_t bytes) {
    fs::resize_file(dir_ + "/filler", fs::file_size(dir_ + "/filler") - bytes);
  }
  void empty() { fs::remove(dir_ + "/filler"); }
  bool ok() const { return mounted_; }
  const std::string& why() const { return why_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_, why_;
  bool mounted_ = false;
};

TEST(CliInterrupts, AFullDiskIsAOneLineErrorAndLeavesNothingHalfWritten) {
  FullDisk disk;
  if (!disk.ok()) GTEST_SKIP() << disk.why();
  const std::string run = image_run();
  ASSERT_EQ(run_cli("compress --run " + run + data() + " --out int_full.hgz").code, 0);
  disk.leave_free(3 * 4096);  // room for a few of the 24 images, not all
  auto r = run_cli("decompress --run " + run + " --in int_full.hgz --out " + disk.dir() + "/dec");
  expect_one_line_error(r, 1, disk.dir());
  EXPECT_FALSE(fs::exists(disk.dir() + "/dec"));
  for (const auto& e : fs::directory_iterator(disk.dir()))
    EXPECT_EQ(e.path().filename().string(), "filler") << "left behind: " << e.path();

  const std::string train = "train --data synthetic --config " + std::string(HG_SOURCE_DIR) +
                            "/models/configs/tabular.json --epochs 2 --out " + disk.dir() + "/run";
  r = run_cli(train);
  expect_one_line_error(r, 1, disk.dir());
  disk.empty();
  r = run_cli(train);  // no --force: the failed run left nothing that blocks it
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(disk.dir() + "/run/manifest.json"));
}

}  // namespace
}  // namespace hg::test
