// hourglass denoise: a small denoising MLP trained here cleans up Gaussian noise (PSNR, and SSIM
// on images large enough for its window), writes its picture, and the errors are one line.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "blob_images.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

const std::string kTabular = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";

std::string denoise_config() {
  const std::string path = scratch_dir() + "/dn.json";
  const nlohmann::json j{{"name", "dn"},
                         {"type", "mlp"},
                         {"hidden", {24}},
                         {"latent", 6},
                         {"output_activation", "sigmoid"},
                         {"noise", "gaussian:0.2"},
                         {"noise_clip", true}};
  std::ofstream(path) << j.dump();
  return path;
}

// 12 x 12 discs (image_set()'s are 8 x 8, smaller than the SSIM window).
std::string image_set_12() { return blob_image_set(12, 777); }

std::string train_denoiser(const std::string& data_dir, const std::string& out) {
  auto r =
      run_cli("train --data idx:" + data_dir + " --config " + denoise_config() +
              " --epochs 60 --batch 16 --lr 0.01 --val-split 0 --device cpu --threads 2 --out " +
              out + " --force --json");
  EXPECT_EQ(r.code, 0) << r.err;
  return out;
}

const std::string& dn_run() {
  static const std::string run = train_denoiser(image_set(), "dn_run");
  return run;
}

TEST(CliDenoise, ReportsQualityAndWritesThePicture) {
  std::filesystem::remove(scratch_dir() + "/dn.png");
  auto r =
      run_cli("denoise --run " + dn_run() + " --data idx:" + image_set() +
              " --noise gaussian:0.2 --seed 3 --n 6 --device cpu --threads 2 --out dn.png --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = last_json(r);
  for (const char* k :
       {"n", "noise", "psnr_noisy", "psnr_denoised", "ssim_noisy", "ssim_denoised", "device"})
    EXPECT_TRUE(j.contains(k)) << k << " missing from " << j.dump();
  EXPECT_EQ(j["n"], 24);
  EXPECT_EQ(j["noise"], "gaussian:0.2");
  EXPECT_EQ(j["device"], "cpu");
  ASSERT_TRUE(j["psnr_noisy"].is_number() && j["psnr_denoised"].is_number()) << j.dump();
  const double noisy = j["psnr_noisy"], denoised = j["psnr_denoised"];
  EXPECT_GT(noisy, 5.0);
  EXPECT_LT(noisy, 40.0);
  EXPECT_GT(denoised, noisy) << j.dump();
  EXPECT_TRUE(j["ssim_noisy"].is_null()) << "8 x 8 images are smaller than the SSIM window";
  EXPECT_TRUE(is_png(scratch_dir() + "/dn.png"));

  // The same seed gives the same figures; another seed other noise.
  auto again = run_cli("denoise --run " + dn_run() + " --data idx:" + image_set() +
                       " --noise gaussian:0.2 --seed 3 --device cpu --threads 2 --json");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(last_json(again)["psnr_noisy"], j["psnr_noisy"]);
  EXPECT_EQ(last_json(again)["psnr_denoised"], j["psnr_denoised"]);
  auto other = run_cli("denoise --run " + dn_run() + " --data idx:" + image_set() +
                       " --noise gaussian:0.2 --seed 4 --device cpu --threads 2 --json");
  ASSERT_EQ(other.code, 0) << other.err;
  EXPECT_NE(last_json(other)["psnr_noisy"], j["psnr_noisy"]);
}

TEST(CliDenoise, MeasuresSsimOnImagesAsLargeAsItsWindow) {
  const std::string run = train_denoiser(image_set_12(), "dn_run12");
  auto r = run_cli("denoise --run " + run + " --data idx:" + image_set_12() +
                   " --noise gaussian:0.2 --limit 20 --device cpu --threads 2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = last_json(r);
  EXPECT_EQ(j["n"], 20);
  ASSERT_TRUE(j["ssim_noisy"].is_number() && j["ssim_denoised"].is_number()) << j.dump();
  const double sn = j["ssim_noisy"], sd = j["ssim_denoised"];
  EXPECT_GT(sn, -1.0);
  EXPECT_LT(sn, 1.0);
  EXPECT_GT(sd, sn) << j.dump();
  EXPECT_GT(j["psnr_denoised"].get<double>(), j["psnr_noisy"].get<double>()) << j.dump();
  // The other noises run too.
  for (const char* noise : {"saltpepper:0.1", "mask:0.25"}) {
    auto o = run_cli("denoise --run " + run + " --data idx:" + image_set_12() + " --noise " +
                     noise + " --device cpu --threads 2 --json");
    ASSERT_EQ(o.code, 0) << noise << ": " << o.err;
    EXPECT_TRUE(last_json(o)["ssim_denoised"].is_number()) << o.out;
  }
}

TEST(CliDenoise, ErrorsAreOneLine) {
  const std::string base =
      "denoise --run " + dn_run() + " --data idx:" + image_set() + " --device cpu ";
  expect_one_line_error(run_cli(base + "--noise blur:1"), 2, "noise 'blur:1'");
  expect_one_line_error(run_cli(base + "--noise gaussian:-1"), 2, "sigma");
  expect_one_line_error(run_cli(base + "--noise mask:0.2 --n 0"), 2, "--n");
  expect_one_line_error(run_cli(base + "--noise mask:0.2 --n 65"), 2, "--n");
  expect_one_line_error(run_cli(base + "--noise mask:0.2 --limit -1"), 2, "--limit");

  // An existing --out needs --force.
  std::ofstream(scratch_dir() + "/taken_dn.png") << "x";
  expect_one_line_error(run_cli(base + "--noise mask:0.2 --out taken_dn.png"), 1, "already exists");
  EXPECT_EQ(slurp(scratch_dir() + "/taken_dn.png"), "x");
  auto forced = run_cli(base + "--noise mask:0.2 --out taken_dn.png --force");
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_TRUE(is_png(scratch_dir() + "/taken_dn.png"));

  // A run trained on a table has no images to denoise.
  auto t = run_cli("train --data synthetic --config " + kTabular +
                   " --epochs 1 --device cpu --threads 2 --out dn_tab --force");
  ASSERT_EQ(t.code, 0) << t.err;
  expect_one_line_error(
      run_cli("denoise --run dn_tab --data synthetic --noise gaussian:0.1 --device cpu"), 1,
      "dn_tab");
}

}  // namespace
}  // namespace hg::test
