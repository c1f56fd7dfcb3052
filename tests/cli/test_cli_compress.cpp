// compress / decompress from the command line on the tiny IDX image set: the report's keys, PNG
// and IDX output, and one-line errors naming the file for a truncated file and a file made by
// another run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
        "jpeg_psnr_at_same_bytes", "pca_psnr", "png_bytes_per_image", "wavelet_psnr_at_same_bytes"})
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

}  // namespace
}  // namespace hg::test
