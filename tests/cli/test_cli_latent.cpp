// Latent-space commands from the command line on the tiny IDX image set: embed writes codes
// that analyze reads back, analyze's four tools report their figures, cluster compares the three
// spaces under each method (fitted on the train split, evaluated on test) with a verdict the
// figures bear out, transfer trains heads; errors name the flag.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

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
    std::ofstream(cfg)
        << R"({"name": "lat", "type": "mlp", "hidden": [24], "latent": 3, "output_activation": "sigmoid"})";
    auto r = run_cli("train --data idx:" + image_set() + " --config " + cfg +
                     " --epochs 10 --device cpu --out lat_run");
    EXPECT_EQ(r.code, 0) << r.err;
    return std::string("lat_run");
  }();
  return run;
}

TEST(CliLatent, EmbedThenAnalyze) {
  auto r =
      run_cli("embed --run " + latent_run() + " --data idx:" + image_set() + " --out z.csv --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["n"], 24);
  const std::string csv = slurp(scratch_dir() + "/z.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "z0,z1,z2,label");
  ASSERT_EQ(run_cli("embed --run " + latent_run() + " --data idx:" + image_set() +
                    " --split train --out z.npy")
                .code,
            0);
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
  r = run_cli("analyze tsne --data " + data +
              " --perplexity 5 --iters 300 --out t.csv --plot t.png --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(last_json(r)["kl"].get<double>(), 0.0);
  EXPECT_TRUE(fs::exists(scratch_dir() + "/t.png"));
  EXPECT_EQ(slurp(scratch_dir() + "/t.csv").substr(0, 12), "x0,x1,label\n");
}

// The verdict names the winner that the accuracies in the same JSON make it.
void expect_verdict_matches_figures(const nlohmann::json& j) {
  const auto& best = j["best"];
  double top = -1;
  std::string top_space;
  for (const auto& s : j["spaces"])
    if (s["space"] != "latent" && s["acc"].get<double>() > top)
      top = s["acc"].get<double>(), top_space = s["space"];
  const std::string v = j["verdict"];
  const double acc = best["acc"].get<double>();
  EXPECT_EQ(v.rfind("latent " + best["method"].get<std::string>() + " ACC ", 0), 0u) << v;
  char margin[32];
  std::snprintf(margin, sizeof margin, " by %.3f", std::fabs(acc - top));
  const std::string ending =
      acc > top    ? ": latent wins" + std::string(margin)
      : acc == top ? ": a tie with " + top_space
                   : ": " + top_space + (top_space == "pixels" ? " win" : " wins") + margin;
  EXPECT_NE(v.find(ending), std::string::npos)
      << v << " (latent " << acc << ", best baseline " << top << ")";
  char figure[16];
  std::snprintf(figure, sizeof figure, "%.2f", acc);
  EXPECT_NE(v.find(std::string("ACC ") + figure), std::string::npos) << v;
}

TEST(CliLatent, ClusterComparesSpacesAndMethods) {
  auto r = run_cli("cluster --run " + latent_run() + " --data idx:" + image_set() +
                   " --k 4 --method tsne-kmeans,tsne-gmm --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  // Fitted on the 96 training images, evaluated on the 24 test images (all voted on).
  EXPECT_EQ(j["n"], 24);
  EXPECT_EQ(j["n_fit"], 96);
  EXPECT_EQ(j["fit_split"], "train");
  EXPECT_EQ(j["method"], "tsne-kmeans");
  EXPECT_EQ(j["standardize"], true);
  ASSERT_EQ(j["spaces"].size(), 9u);
  const char* spaces[] = {"pixels", "pca-3", "latent"};
  const char* methods[] = {"kmeans", "tsne-kmeans", "tsne-gmm"};
  for (size_t i = 0; i < 9; ++i) {
    const auto& s = j["spaces"][i];
    EXPECT_EQ(s["space"], spaces[i / 3]) << i;
    EXPECT_EQ(s["method"], methods[i % 3]) << i;
    for (const char* key : {"dims", "acc", "nmi", "ari", "silhouette", "seconds"})
      EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_GE(s["acc"].get<double>(), 0.25);
    EXPECT_LE(s["acc"].get<double>(), 1.0);
    EXPECT_LE(std::fabs(s["silhouette"].get<double>()), 1.0);
    EXPECT_EQ(s["assigned_by_neighbours"], 24);
    EXPECT_EQ(s.contains("map_silhouette"), i % 3 != 0);
  }
  EXPECT_EQ(j["best"], j["spaces"][7]);  // latent, the first --method
  expect_verdict_matches_figures(j);
  EXPECT_EQ(j["tsne"]["n"], 96);
  const std::string dir = scratch_dir() + "/" + latent_run() + "/cluster";
  for (const char* f : {"silhouette.png", "tsne_labels.png", "tsne_clusters.png", "acc.png"})
    EXPECT_TRUE(is_png(dir + "/" + f)) << f;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/cluster.json"))["verdict"], j["verdict"]);
  for (const auto& e : fs::directory_iterator(scratch_dir() + "/" + latent_run()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos)
        << e.path();  // no staging left
  // The table names every row and the verdict.
  r = run_cli("cluster --run " + latent_run() + " --data idx:" + image_set() +
              " --k 4 --device cpu --force");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* row : {"pixels  kmeans", "pixels  tsne-kmeans", "pca-3   kmeans",
                          "latent  tsne-kmeans", "verdict: latent"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
}

TEST(CliLatent, ClusterFitOnTheEvaluatedSplit) {
  // Fit split = evaluated split: the fit rows keep their own clusters, no vote; with
  // --fit-limit only the rows outside the subsample are voted on.
  auto r = run_cli("cluster --run " + latent_run() + " --data idx:" + image_set() +
                   " --split train --fit-split train --k 4 --device cpu --out-dir cl_same --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  EXPECT_EQ(j["n"], 96);
  EXPECT_EQ(j["n_fit"], 96);
  for (const auto& s : j["spaces"]) EXPECT_EQ(s["assigned_by_neighbours"], 0);
  r = run_cli("cluster --run " + latent_run() + " --data idx:" + image_set() +
              " --split train --fit-limit 50 --assign-k 3 --method tsne-gmm --k 4 --device cpu "
              "--out-dir cl_sub "
              "--no-standardize --json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = last_json(r);
  EXPECT_EQ(j["n_fit"], 50);
  EXPECT_EQ(j["standardize"], false);
  EXPECT_EQ(j["best"]["method"], "tsne-gmm");
  for (const auto& s : j["spaces"]) EXPECT_EQ(s["assigned_by_neighbours"], 46);
  expect_verdict_matches_figures(j);
}

TEST(CliLatent, ClusterKMeansOnlyWithTsnePictures) {
  // --method kmeans: three rows; --tsne still draws the latent map (made for the pictures).
  auto r =
      run_cli("cluster --run " + latent_run() + " --data idx:" + image_set() +
              " --k 4 --method kmeans --tsne --tsne-limit 40 --device cpu --out-dir cl_km --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  ASSERT_EQ(j["spaces"].size(), 3u);
  EXPECT_EQ(j["best"]["method"], "kmeans");
  EXPECT_EQ(j["tsne"]["n"], 40);
  for (const char* f : {"tsne_labels.png", "tsne_clusters.png", "acc.png", "silhouette.png"})
    EXPECT_TRUE(is_png(scratch_dir() + "/cl_km/" + f)) << f;
  // Without --tsne no map is made or drawn.
  r = run_cli("cluster --run " + latent_run() + " --data idx:" + image_set() +
              " --k 4 --method kmeans --device cpu --out-dir cl_km --force --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(last_json(r).contains("tsne"));
  EXPECT_FALSE(
      fs::exists(scratch_dir() + "/cl_km/tsne_labels.png"));  // the old folder was replaced
}

TEST(CliLatent, ClusterErrorsNameTheirFlag) {
  const std::string base = "cluster --run " + latent_run() + " --data idx:" + image_set() +
                           " --k 4 --device cpu --out-dir cl_err --force";
  expect_one_line_error(run_cli(base + " --method dbscan"), 2, "--method");
  expect_one_line_error(run_cli(base + " --method tsne-kmeans,spectral"), 2, "--method");
  expect_one_line_error(run_cli(base + " --fit-split val"), 2, "--fit-split");
  expect_one_line_error(run_cli(base + " --assign-k 0"), 2, "--assign-k");
  expect_one_line_error(run_cli(base + " --perplexity 0"), 2, "--perplexity");
  expect_one_line_error(run_cli(base + " --fit-limit 3"), 2, "--k");  // 4 clusters, 3 fit rows
  const std::string plain =
      "cluster --run " + latent_run() + " --data idx:" + image_set() + " --k 4 --device cpu";
  ASSERT_EQ(run_cli(plain + " --method kmeans --out-dir cl_exists").code, 0);
  expect_one_line_error(run_cli(plain + " --method kmeans --out-dir cl_exists"), 1, "--out-dir");
  EXPECT_TRUE(fs::exists(scratch_dir() + "/cl_exists/cluster.json"));  // left as it was
}

TEST(CliLatent, TransferSweepReportsBothAccuracies) {
  auto r = run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() +
                   " --sweep 20,96 --head mlp --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  ASSERT_EQ(j["results"].size(), 2u);
  for (const auto& row : j["results"]) {
    ASSERT_EQ(row["columns"].size(), 3u);  // frozen, fine-tuned, scratch
    for (const char* m : {"frozen", "finetune", "scratch"}) {
      EXPECT_GE(row[m].get<double>(), 0.0) << m;
      EXPECT_LE(row[m].get<double>(), 1.0) << m;
    }
  }
  EXPECT_EQ(j["results"][1]["labels"], 96);
  // The verdict is computed from the table: the best pretrained column minus scratch.
  for (const auto& v : j["verdict"]) {
    const auto& row = j["results"][v["labels"] == 96 ? 1 : 0];
    EXPECT_DOUBLE_EQ(v["pretrained"].get<double>(),
                     std::max(row["frozen"].get<double>(), row["finetune"].get<double>()));
    EXPECT_DOUBLE_EQ(v["gain"].get<double>(),
                     v["pretrained"].get<double>() - row["scratch"].get<double>());
  }
  r = run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() +
              " --labels 50 --finetune --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(last_json(r).contains("finetune"));
  EXPECT_FALSE(last_json(r).contains("frozen"));
  // Two encoders in one table (the domain-transfer command), with the chart.
  r = run_cli("transfer --run " + latent_run() + "," + latent_run() + " --data idx:" + image_set() +
              " --labels 40 --modes frozen --plot transfer.png --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["results"][0]["columns"].size(), 3u);
  EXPECT_TRUE(is_png(scratch_dir() + "/transfer.png"));
  expect_one_line_error(
      run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() + " --modes warm"), 2,
      "--modes");
}

TEST(CliLatent, ErrorsNameTheFlag) {
  expect_one_line_error(run_cli("analyze kmeans --data synthetic --k 0"), 2, "--k");
  expect_one_line_error(run_cli("analyze silhouette --data csv:z_nolabel.csv"), 1, "z_nolabel.csv");
  expect_one_line_error(
      run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() + " --sweep 10,x"), 2,
      "--sweep");
  expect_one_line_error(run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() +
                                " --freeze --finetune"),
                        2, "--finetune");
  expect_one_line_error(
      run_cli("transfer --run " + latent_run() + " --data idx:" + image_set() + " --head rnn"), 2,
      "--head");
  expect_one_line_error(run_cli("embed --run " + latent_run() + " --data synthetic --out e.csv"), 1,
                        "features");
  expect_one_line_error(run_cli("analyze"), 2, "subcommand");
}

}  // namespace
}  // namespace hg::test

namespace hg::test {
namespace {

// hourglass retrieve: precision@k of the binarised codes beside LSH's, in one JSON line; bad
// flags and unlabelled data are one-line errors.
TEST(CliRetrieve, ReportsPrecisionBesideLsh) {
  const std::string cfg = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";
  ASSERT_EQ(run_cli("train --data synthetic --config " + cfg + " --epochs 5 --out retr_run").code,
            0);
  auto r = run_cli("retrieve --run retr_run --data synthetic --k 10 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = last_json(r);
  for (const char* key : {"precision_at_k", "lsh_precision_at_k", "margin", "bits", "queries"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_GE(j["precision_at_k"].get<double>(), 0.0);
  EXPECT_LE(j["precision_at_k"].get<double>(), 1.0);
  EXPECT_NEAR(j["margin"].get<double>(),
              j["precision_at_k"].get<double>() - j["lsh_precision_at_k"].get<double>(), 1e-12);
  expect_one_line_error(run_cli("retrieve --run retr_run --data synthetic --k 0"), 2, "--k");
  expect_one_line_error(run_cli("retrieve --run retr_run --data synthetic --k 100000"), 2,
                        "database rows");
  EXPECT_EQ(j["binarize"], "pca-median");
  expect_one_line_error(run_cli("retrieve --run retr_run --data synthetic --binarize threshold"), 2,
                        "--binarize");
  expect_one_line_error(run_cli("retrieve --run retr_run --data synthetic --binarize sign"), 2,
                        "--binarize");
}

// A code trained to be binary (train --binary-latent) is thresholded at 0.5 by default; the flag
// refuses what has no binary code and out-of-range values, and --resume keeps the run's own.
TEST(CliRetrieve, BinaryLatentRunIsThresholded) {
  const std::string cfgs = std::string(HG_SOURCE_DIR) + "/models/configs/";
  auto t = run_cli("train --data synthetic --config " + cfgs +
                   "tabular.json --binary-latent 3 --epochs 3 --out retr_bin");
  ASSERT_EQ(t.code, 0) << t.err;
  auto r = run_cli("retrieve --run retr_bin --data synthetic --k 10 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["binarize"], "threshold");
  expect_one_line_error(run_cli("train --data synthetic --config " + cfgs +
                                "tabular.json --binary-latent 0 --epochs 1 --out retr_b0"),
                        2, "--binary-latent");
  expect_one_line_error(run_cli("train --data synthetic --config " + cfgs +
                                "vae784.json --binary-latent 4 --epochs 1 --out retr_bv"),
                        2, "MLP");
  expect_one_line_error(run_cli("train --resume retr_bin --binary-latent 2 --epochs 4"), 2,
                        "--binary-latent");
}

}  // namespace
}  // namespace hg::test
