// Latent-space commands from the command line on the tiny IDX image set: embed writes codes
// that analyze reads back, analyze's four tools report their figures, cluster compares the three
// spaces, transfer trains heads; errors name the flag.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "blob_images.h"
#include "cli_runner.h"
#include "engine/io/npy.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;

const std::string& latent_run() {
  static const std::string run = [] {
    const std::string cfg = scratch_dir() + "/lat.json";
    std::ofstream(cfg) << R"({"name": "lat", "type": "mlp", "hidden": [24], "latent": 3, "output_activation": "sigmoid"})";
    auto r = run_cli("train --data idx:" + image_set() + " --config " + cfg + " --epochs 10 --device cpu --out lat_run");
    EXPECT_EQ(r.code, 0) << r.err;
    return std::string("lat_run");
  }();
  return run;
}

TEST(CliLatent, EmbedThenAnalyze) {
  auto r = run_cli("embed --run " + latent_run() + " --data idx:" + image_set() + " --out z.csv --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["n"], 24);
  const std::string csv = slurp(scratch_dir() + "/z.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "z0,z1,z2,label");
  ASSERT_EQ(run_cli("embed --run " + latent_run() + " --data idx:" + image_set() + " --split train --out z.npy").code, 0);
  const io::NpyMatrix m = io::read_npy(scratch_dir() + "/z.npy");
  EXPECT_EQ(m.rows, 96);
  EXPECT_EQ(m.cols, 3);

  const std::string data = "csv:z.csv,label=label";
  r = run_cli("analyze kmeans --data " + data + " --k 4 --n-init 5 --seed 0 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  for (const char* k : {"seconds", "inertia", "acc", "nmi", "ari"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_GT(j["inertia"].get<double>(), 0.0);
  r = run_cli("analyze silhouette --data " + data + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_LE(std::fabs(last_json(r)["silhouette"].get<double>()), 1.0);
  r = run_cli("analyze pca --data " + data + " --components 2 --out p.csv --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["explained_variance_ratio"].size(), 2u);
  r = run_cli("analyze tsne --data " + data + " --perplexity 5 --iters 300 --out t.csv --plot t.png --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(last_json(r)["kl"].get<double>(), 0.0);
  EXPECT_TRUE(fs::exists(scratch_dir() + "/t.png"));
  EXPECT_EQ(slurp(scratch_dir() + "/t.csv").substr(0, 12), "x0,x1,label\n");
}

TEST(CliLatent, ClusterComparesThreeSpaces) {
  auto r = run_cli("cluster --run " + latent_run() + " --data idx:" + image_set() +
                   " --split train --k 4 --tsne --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  ASSERT_EQ(j["spaces"].size(), 3u);
  EXPECT_EQ(j["spaces"][0]["space"], "pixels");
  EXPECT_EQ(j["spaces"][2]["space"], "latent");
  for (const auto& s : j["spaces"]) {
    EXPECT_GE(s["acc"].get<double>(), 0.25);
    EXPECT_LE(s["silhouette"].get<double>(), 1.0);
  }
  for (const char* f : {"silhouette.png", "tsne_labels.png", "tsne_clusters.png", "cluster.json"})
    EXPECT_TRUE(fs::exists(scratch_dir() + "/" + latent_run() + "/cluster/" + f)) << f;
}

TEST(CliLatent, TransferSweepReportsBothAccuracies) {
  auto r = run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() +
                   " --sweep 20,96 --head mlp --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  ASSERT_EQ(j["results"].size(), 2u);
  for (const auto& row : j["results"]) {
    EXPECT_GE(row["frozen encoder"].get<double>(), 0.0);
    EXPECT_LE(row["from scratch"].get<double>(), 1.0);
  }
  EXPECT_EQ(j["results"][1]["labels"], 96);
  r = run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() + " --labels 50 --finetune --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(last_json(r)["results"][0].contains("fine-tuned encoder"));
}

TEST(CliLatent, ErrorsNameTheFlag) {
  expect_one_line_error(run_cli("analyze kmeans --data synthetic --k 0"), 1, "k");
  expect_one_line_error(run_cli("analyze silhouette --data csv:z_nolabel.csv"), 1, "z_nolabel.csv");
  expect_one_line_error(run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() + " --sweep 10,x"), 2,
                        "--sweep");
  expect_one_line_error(run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() + " --freeze --finetune"),
                        2, "--finetune");
  expect_one_line_error(run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() + " --head rnn"), 2,
                        "--head");
  expect_one_line_error(run_cli("embed --run " + latent_run() + " --data synthetic --out e.csv"), 1, "features");
  expect_one_line_error(run_cli("analyze"), 2, "subcommand");
}

}  // namespace
}  // namespace hg::test
