// compress / decompress from the command line on the tiny IDX image set: the report's keys, PNG
// and IDX output, and one-line errors naming the file for a truncated file and a file made by
// another run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "blob_images.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;

std::string train_run(const std::string& name, int seed) {
  const std::string cfg = scratch_dir() + "/" + name + ".json";
  std::ofstream(cfg)
      << R"({"name": "hgz", "type": "mlp", "hidden": [24], "latent": 4, "output_activation": "sigmoid"})";
  auto r = run_cli("train --data idx:" + image_set() + " --config " + cfg + " --epochs 8 --seed " +
                   std::to_string(seed) + " --device cpu --out " + name);
  EXPECT_EQ(r.code, 0) << r.err;
  return name;
}

const std::string& run_a() {
  static const std::string r = train_run("hgz_a", 1);
  return r;
}

TEST(CliCompress, CompressReportsAndDecompressWritesImages) {
  auto r = run_cli("compress --run " + run_a() + " --data idx:" + image_set() +
                   " --out a.hgz --latent-dtype int8 --zlib --pca 4 --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  for (const char* k :
       {"n", "bytes", "bytes_per_image", "ratio", "ratio_float32", "space_savings", "psnr", "ssim",
        "jpeg_psnr_at_same_bytes", "pca_psnr", "png_bytes_per_image", "wavelet_psnr_at_same_bytes",
        "png_psnr_at_same_bytes", "png_data_psnr_at_same_bytes", "model", "model_type"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["n"], 24);
  EXPECT_EQ(j["bytes"].get<int64_t>(),
            static_cast<int64_t>(fs::file_size(scratch_dir() + "/a.hgz")));
  EXPECT_GT(j["ratio"].get<double>(), 1.0);
  EXPECT_NEAR(j["ratio_float32"].get<double>(), 4 * j["ratio"].get<double>(), 1e-9);
  EXPECT_GT(j["psnr"].get<double>(), 5.0);
  // SSIM's 11 x 11 window does not fit an 8 x 8 image: null, with the reason.
  EXPECT_TRUE(j["ssim"].is_null());
  EXPECT_TRUE(j.contains("ssim_note"));
  // A few bytes per 8x8 image: smaller than any JPEG file, so the comparison is null with a note.
  if (j["jpeg_psnr_at_same_bytes"].is_null()) {
    EXPECT_TRUE(j.contains("jpeg_note"));
  }

  // A larger budget (f32 codes, first 4 images) still reports the keys.
  r = run_cli("compress --run " + run_a() + " --data idx:" + image_set() +
              " --limit 4 --out b.hgz --latent-dtype f32 --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["n"], 4);

  // The output exists: refused without --force.
  r = run_cli("compress --run " + run_a() + " --data idx:" + image_set() + " --out a.hgz");
  expect_one_line_error(r, 1, "already exists");

  r = run_cli("decompress --run " + run_a() + " --in a.hgz --out png_out --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["n"], 24);
  EXPECT_TRUE(fs::exists(scratch_dir() + "/png_out/000000.png"));
  EXPECT_TRUE(fs::exists(scratch_dir() + "/png_out/000023.png"));
  EXPECT_EQ(slurp(scratch_dir() + "/png_out/000000.png").substr(1, 3), "PNG");

  r = run_cli("decompress --run " + run_a() +
              " --in a.hgz --out idx_out --idx --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string idx = slurp(scratch_dir() + "/idx_out/images-idx3-ubyte");
  EXPECT_EQ(idx.size(), 16u + 24 * 64);
  EXPECT_EQ(idx.substr(0, 4), std::string("\0\0\x08\x03", 4));
}

TEST(CliCompress, DamagedOrForeignFilesGiveOneLineErrors) {
  auto r = run_cli("compress --run " + run_a() + " --data idx:" + image_set() +
                   " --out c.hgz --device cpu");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string good = slurp(scratch_dir() + "/c.hgz");
  write_bytes(scratch_dir() + "/trunc.hgz", good.substr(0, good.size() / 2));
  r = run_cli("decompress --run " + run_a() + " --in trunc.hgz --out t_out --device cpu");
  expect_one_line_error(r, 1, "trunc.hgz: truncated");

  const std::string other = train_run("hgz_b", 2);
  r = run_cli("decompress --run " + other + " --in c.hgz --out o_out --device cpu");
  expect_one_line_error(r, 1, "c.hgz: made by another model");

  write_bytes(scratch_dir() + "/junk.hgz", "not a compressed file at all, just text");
  r = run_cli("decompress --run " + run_a() + " --in junk.hgz --out j_out --device cpu");
  expect_one_line_error(r, 1, "junk.hgz: not an .hgz file");

  r = run_cli("compress --run " + run_a() + " --data idx:" + image_set() +
              " --out d.hgz --latent-dtype f8");
  expect_one_line_error(r, 2, "--latent-dtype");
}

// The codecs' own curves: a ladder of settings per codec, bytes growing with quality, and the
// rate-distortion chart drawing them beside an autoencoder's point.
TEST(CliCompress, CodecCurvesLadderAndRateDistortionChart) {
  const std::string data = "idx:" + blob_image_set(16, 777);
  auto r =
      run_cli("compress --codec-curves --data " + data + " --limit 12 --out curves.jsonl --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["images"], 12);
  std::map<std::string, std::vector<std::pair<double, double>>> by_codec;
  std::istringstream in(slurp(scratch_dir() + "/curves.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    by_codec[j["codec"]].push_back({j["setting"], j["bytes_per_image"]});
    EXPECT_GT(j["psnr"].get<double>(), 5.0);
    EXPECT_LE(j["ssim"].get<double>(), 1.0 + 1e-9);
  }
  ASSERT_EQ(by_codec.size(), 5u);
  // The ladder runs from the coarsest setting to the finest (JPEG's quality and PNG's levels
  // up, the wavelet's step down), and the finest costs the most bytes.
  for (const char* c : {"jpeg", "jpeg_scan", "png", "png_data", "wavelet"}) {
    const auto& pts = by_codec[c];
    ASSERT_GE(pts.size(), 10u) << c;
    EXPECT_GT(pts.back().second, pts.front().second) << c;
    EXPECT_EQ(pts.back().first > pts.front().first, std::string(c) != "wavelet") << c;
  }
  auto a = run_cli("compress --run " + run_a() + " --data idx:" + image_set() +
                   " --out rd.hgz --latent-dtype int8 --device cpu --json");
  ASSERT_EQ(a.code, 0) << a.err;
  write_bytes(scratch_dir() + "/rd.jsonl",
              last_json(a).dump() + "\n" + slurp(scratch_dir() + "/curves.jsonl"));
  auto c = run_cli("compress --rd-chart rd.jsonl --out rd.png");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_TRUE(is_png(scratch_dir() + "/rd.png"));
  write_bytes(scratch_dir() + "/bad.jsonl",
              "{\"codec\": \"gif\", \"bytes_per_image\": 1, \"psnr\": 2}\n");
  expect_one_line_error(run_cli("compress --rd-chart bad.jsonl --out bad.png"), 1, "unknown codec");
  // Tables have no pixels to code.
  expect_one_line_error(run_cli("compress --codec-curves --data synthetic --out t.jsonl"), 2,
                        "grayscale images");
}

}  // namespace
}  // namespace hg::test
