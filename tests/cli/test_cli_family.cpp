// The autoencoder family from the command line, on a tiny IDX image set made here: a VAE trains
// and reports its ELBO terms, eval --nll-samples, reconstruct and generate write what they say,
// a denoising model learns, and the errors are one line naming the flag.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "blob_images.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;

std::string config(const std::string& name, const nlohmann::json& j) {
  const std::string path = scratch_dir() + "/" + name + ".json";
  std::ofstream(path) << j.dump();
  return path;
}

// One VAE run shared by the tests below (trained once).
const std::string& vae_run() {
  static const std::string run = [] {
    const std::string cfg = config("tiny_vae", {{"name", "tiny_vae"},
                                                {"type", "vae"},
                                                {"input", nullptr},
                                                {"hidden", {32}},
                                                {"latent", 2},
                                                {"output_activation", "none"}});
    auto r = run_cli("train --data idx:" + image_set() + " --config " + cfg +
                     " --scaler binarize --loss bce --epochs 4 --batch 16 --lr 0.003 --val-split 0 "
                     "--device cpu --threads 2 --out vae_run --json");
    EXPECT_EQ(r.code, 0) << r.err;
    return std::string("vae_run");
  }();
  return run;
}

TEST(CliFamily, VaeTrainsAndLogsItsElboTerms) {
  const std::string cfg = config("tiny_vae2", {{"name", "tiny_vae2"},
                                               {"type", "vae"},
                                               {"hidden", {32}},
                                               {"latent", 2},
                                               {"output_activation", "none"}});
  auto r = run_cli("train --data idx:" + image_set() + " --config " + cfg +
                   " --scaler binarize --loss bce --epochs 3 --batch 16 --device cpu --threads 2 "
                   "--out vae_terms --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  ASSERT_TRUE(j.contains("final_terms")) << j.dump();
  const double recon = j["final_terms"]["recon"], kl = j["final_terms"]["kl"];
  EXPECT_GT(recon, 0.0);
  EXPECT_GE(kl, 0.0);
  EXPECT_NEAR(j["final_train_loss"].get<double>(), recon + kl, 1e-3 * (recon + kl));
  EXPECT_NE(r.err.find("(recon "), std::string::npos)
      << r.err;  // the progress line shows the terms
  const auto metrics = nlohmann::json::parse(slurp(scratch_dir() + "/vae_terms/metrics.json"));
  EXPECT_TRUE(metrics["history"][0]["terms"].contains("kl"));
}

TEST(CliFamily, EvalReportsImportanceWeightedNll) {
  auto r = run_cli("eval --run " + vae_run() + " --data idx:" + image_set() +
                   " --nll-samples 64 --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  ASSERT_TRUE(j.contains("nll") && j.contains("neg_elbo")) << j.dump();
  const double nll = j["nll"], elbo = j["neg_elbo"];
  EXPECT_TRUE(std::isfinite(nll));
  EXPECT_GT(nll, 0.0);
  EXPECT_LT(nll, elbo + 1.0);  // the importance-weighted bound is the tighter one
  EXPECT_EQ(j["n"], 24);
}

TEST(CliFamily, ReconstructAndGenerateWritePictures) {
  auto r = run_cli("reconstruct --run " + vae_run() + " --data idx:" + image_set() +
                   " --n 12 --cols 6 --device cpu --out rec.png --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(is_png(scratch_dir() + "/rec.png"));
  EXPECT_EQ(last_json(r)["n"], 12);
  expect_one_line_error(
      run_cli("reconstruct --run " + vae_run() + " --data idx:" + image_set() + " --out rec.png"),
      1, "already exists");
  EXPECT_EQ(run_cli("reconstruct --run " + vae_run() + " --data idx:" + image_set() +
                    " --out rec.png --force")
                .code,
            0);

  r = run_cli("generate --run " + vae_run() + " --n 16 --device cpu --out gen.png --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(is_png(scratch_dir() + "/gen.png"));
  EXPECT_EQ(last_json(r)["images"], 16);
  r = run_cli("generate --run " + vae_run() + " --interpolate 0,5 --steps 7 --data idx:" +
              image_set() + " --device cpu --out walk.png --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["images"], 7);
  EXPECT_TRUE(is_png(scratch_dir() + "/walk.png"));
}

TEST(CliFamily, DenoisingModelLearnsFromCorruptedInputs) {
  const std::string cfg = config("tiny_dae", {{"name", "tiny_dae"},
                                              {"type", "mlp"},
                                              {"hidden", {32}},
                                              {"latent", 8},
                                              {"output_activation", "sigmoid"},
                                              {"noise", "gaussian:0.3"},
                                              {"noise_clip", true}});
  auto r = run_cli("train --data idx:" + image_set() + " --config " + cfg +
                   " --epochs 20 --batch 16 --lr 0.003 --device cpu --threads 2 --out dae --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  EXPECT_LT(j["final_train_loss"].get<double>(), 0.7 * j["first_step_loss"].get<double>());
}

TEST(CliFamily, ErrorsNameTheFlag) {
  const std::string tab = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";
  ASSERT_EQ(
      run_cli("train --data synthetic --config " + tab + " --epochs 1 --device cpu --out tab_run")
          .code,
      0);
  expect_one_line_error(run_cli("eval --run tab_run --data synthetic --nll-samples 10"), 2,
                        "not a vae");
  expect_one_line_error(run_cli("reconstruct --run tab_run --data synthetic --out t.png"), 1,
                        "table");
  expect_one_line_error(run_cli("generate --run tab_run --out t.png"), 1, "table");
  expect_one_line_error(run_cli("generate --run " + vae_run() +
                                " --interpolate '0;3' --data idx:" + image_set() + " --out w.png"),
                        2, "--interpolate");
  expect_one_line_error(run_cli("generate --run " + vae_run() +
                                " --interpolate 0,999 --data idx:" + image_set() + " --out w.png"),
                        2, "--interpolate");
  expect_one_line_error(run_cli("generate --run " + vae_run() + " --interpolate 0,1 --out w.png"),
                        2, "--data");
  expect_one_line_error(run_cli("reconstruct --run " + vae_run() + " --data idx:" + image_set() +
                                " --out /nonexistent/dir/r.png"),
                        1, "--out");
  expect_one_line_error(
      run_cli("train --data synthetic --config " + tab + " --scaler binary --out x"), 2,
      "--scaler");
}

}  // namespace
}  // namespace hg::test
