// hourglass detect from the command line: the seeds' synthetic protocol end to end (fit, score,
// report), threshold rules, an ensemble, the one-class benchmark, image reports, and errors.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "blob_images.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

namespace fs = std::filesystem;
const std::string kTabular = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";

// The seeds' tabular model trained on the normal rows of the synthetic table, once per process.
const std::string& normal_run() {
  static const std::string run = [] {
    auto r = run_cli("train --data synthetic --config " + kTabular +
                     " --classes 0 --epochs 30 --device cpu --threads 2 --out det_run");
    EXPECT_EQ(r.code, 0) << r.err;
    return std::string("det_run");
  }();
  return run;
}

TEST(CliDetect, SyntheticProtocolFitScoreReport) {
  auto r = run_cli("detect fit --run " + normal_run() +
                   " --data synthetic --normal-classes 0 --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  EXPECT_EQ(j["normal_samples"], 1000);
  // percentile:95 of the scores of the 100 held-out normal rows
  EXPECT_EQ(j["calibration_samples"], 100);
  EXPECT_NEAR(j["normal_flagged"].get<double>(), 5, 1);
  EXPECT_NE(j["score"].get<std::string>().find("auto: knn-input"), std::string::npos) << j["score"];
  const double thr = j["threshold"];

  expect_one_line_error(
      run_cli("detect fit --run " + normal_run() + " --data synthetic --normal-classes 0"), 1,
      "already has a detector.json");

  r = run_cli("detect score --run " + normal_run() +
              " --data synthetic --out scores.csv --per-feature --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string csv = slurp(scratch_dir() + "/scores.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')).rfind("index,label,score,anomaly,e_", 0), 0u)
      << csv.substr(0, 80);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1051);
  EXPECT_EQ(last_json(r)["threshold"], thr);

  r = run_cli("detect report --run " + normal_run() +
              " --data synthetic --anomaly-classes 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = last_json(r);
  for (const char* k : {"auroc", "auprc", "f1", "threshold", "precision", "recall", "confusion",
                        "best_f1", "youden"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_GE(j["auroc"].get<double>(), 0.99);
  EXPECT_EQ(j["n_anomalous"], 50);
  for (const char* f :
       {"histogram.png", "histogram.svg", "roc.png", "roc.svg", "pr.png", "pr.svg", "report.json"})
    EXPECT_TRUE(fs::exists(scratch_dir() + "/" + normal_run() + "/report/" + f)) << f;
  expect_one_line_error(run_cli("detect report --run " + normal_run() + " --data synthetic"), 1,
                        "already exists");
}

TEST(CliDetect, ThresholdRulesAndEnsemble) {
  auto r = run_cli("detect fit --run " + normal_run() +
                   " --data synthetic --normal-classes 0 --threshold f1 "
                   "--val-data synthetic --force --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GE(last_json(r)["val_f1"].get<double>(), 0.95);
  r = run_cli("detect fit --run " + normal_run() +
              " --data synthetic --normal-classes 0 --threshold youden "
              "--val-data synthetic --force --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(last_json(r)["val_youden_j"].get<double>(), 0.9);
  r = run_cli("detect fit --run " + normal_run() +
              " --data synthetic --normal-classes 0 --score mahalanobis "
              "--threshold contamination:0.05 --val-data synthetic --force --json");
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli("detect fit --run " + normal_run() +
              " --data synthetic --normal-classes 0 --threshold value:2.5 "
              "--force --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["threshold"], 2.5);
  r = run_cli("detect fit --run " + normal_run() +
              " --data synthetic --normal-classes 0 --ensemble 2 "
              "--combine median --force --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["ensemble"], 2);
  EXPECT_TRUE(
      fs::exists(scratch_dir() + "/" + normal_run() + "/ensemble/1/checkpoint.safetensors"));
  r = run_cli("detect report --run " + normal_run() +
              " --data synthetic --anomaly-classes 1 --out-dir ens_report --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GE(last_json(r)["auroc"].get<double>(), 0.99);
}

TEST(CliDetect, OneClassBenchmarkPrintsATable) {
  auto r = run_cli("detect bench-oneclass --data idx:" + image_set() + " --config " + kTabular +
                   " --epochs 3 --device cpu --threads 2 --out oneclass --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  ASSERT_EQ(j["per_class"].size(), 4u);
  double sum = 0;
  for (const auto& c : j["per_class"]) sum += c["auroc"].get<double>();
  EXPECT_NEAR(j["mean_auroc"].get<double>(), sum / 4, 1e-12);
}

TEST(CliDetect, KnnInputViewOnImages) {
  const std::string mlp = scratch_dir() + "/view_ae.json";  // an image model: pixels stay in [0, 1]
  std::ofstream(mlp)
      << R"({"name": "view_ae", "type": "mlp", "hidden": [8], "latent": 2, "output_activation": "sigmoid"})";
  auto r =
      run_cli("detect bench-oneclass --data idx:" + image_set() + " --config " + mlp +
              " --epochs 1 --device cpu --score knn-input --knn-power 0.5 --knn-blur 1 --knn-k 3"
              " --out oneclass_view --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = last_json(r);
  EXPECT_EQ(j["score"], "knn-input");
  EXPECT_EQ(j["per_class"].size(), 4u);
  const auto per_class =
      nlohmann::json::parse(slurp(scratch_dir() + "/oneclass_view/class-0/detector.json"));
  EXPECT_EQ(per_class["members"][0]["score"]["input_blur"], 1.0);
  EXPECT_EQ(per_class["members"][0]["score"]["knn_k"], 3);
  // Fitted on a run, the view is stored with the detector, so score measures in it too.
  ASSERT_EQ(run_cli("train --data idx:" + image_set() + " --config " + mlp +
                    " --classes 0 --epochs 1 --device cpu --out view_run")
                .code,
            0);
  ASSERT_EQ(run_cli("detect fit --run view_run --data idx:" + image_set() +
                    " --score knn-input --knn-power 0.5 --knn-blur 1")
                .code,
            0);
  const std::string det = slurp(scratch_dir() + "/view_run/detector.json");
  EXPECT_NE(det.find("\"input_blur\""), std::string::npos);
  EXPECT_NE(det.find("\"input_power\""), std::string::npos);
  r = run_cli("detect score --run view_run --data idx:" + image_set() + " --out view.csv --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(last_json(r)["samples_per_s"].get<double>(), 0.0);
  // Tables have no pixels to blur; standardised columns have negatives no root can take.
  expect_one_line_error(run_cli("detect fit --run " + normal_run() +
                                " --data synthetic --score knn-input "
                                "--knn-blur 1 --force"),
                        1, "--knn-blur");
  expect_one_line_error(run_cli("detect fit --run " + normal_run() +
                                " --data synthetic --score knn-input "
                                "--knn-power 0.5 --force"),
                        1, "--knn-power");
  expect_one_line_error(run_cli("detect fit --run " + normal_run() +
                                " --data synthetic --score knn --knn-k 0 "
                                "--force"),
                        2, "--knn-k");
}

// With several labelled normal classes of images, the default detector is input kNN plus the
// classifier ensemble; the class left out of training is found, the detector reloads and scores the
// same, and the report puts it beside the baselines with a verdict computed from their AUROCs.
TEST(CliDetect, AutoAddsTheClassifierForLabelledImageClasses) {
  const std::string data = "idx:" + corner_image_set(12, 7);
  const std::string mlp = scratch_dir() + "/corner_ae.json";
  std::ofstream(mlp)
      << R"({"name": "corner_ae", "type": "mlp", "hidden": [32], "latent": 4, "output_activation": "sigmoid"})";
  ASSERT_EQ(run_cli("train --data " + data + " --config " + mlp +
                    " --classes 0-2 --epochs 30 --device cpu --out corner_run")
                .code,
            0);
  auto r = run_cli("detect fit --run corner_run --data " + data + " --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["score"], "auto: knn-input,classifier (power 0.5, blur 1)");
  for (int j = 0; j < 5; ++j)
    EXPECT_TRUE(fs::exists(scratch_dir() + "/corner_run/detector_classifier1_" + std::to_string(j) +
                           ".safetensors"))
        << j;
  r = run_cli("detect report --run corner_run --data " + data +
              " --anomaly-classes 3 --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = last_json(r);
  EXPECT_GT(j["auroc"].get<double>(), 0.9);
  double best = -1;
  std::string best_label;
  for (const auto& b : j["baselines"])
    if (b["auroc"].is_number() && b["auroc"].get<double>() > best)
      best = b["auroc"], best_label = b["label"];
  EXPECT_EQ(j["best_baseline"]["label"], best_label);
  EXPECT_EQ(j["detector_wins"].get<bool>(), j["auroc"].get<double>() >= best);
  EXPECT_NE(j["verdict"].get<std::string>().find(best_label), std::string::npos);
  // Scores from the reloaded detector equal the ones the report used (same CSV twice).
  ASSERT_EQ(run_cli("detect score --run corner_run --data " + data + " --out c1.csv").code, 0);
  ASSERT_EQ(run_cli("detect score --run corner_run --data " + data + " --out c2.csv").code, 0);
  EXPECT_EQ(slurp(scratch_dir() + "/c1.csv"), slurp(scratch_dir() + "/c2.csv"));
  // A single normal class of images gets knn-input in the square-root blurred view instead.
  ASSERT_EQ(run_cli("train --data " + data + " --config " + mlp +
                    " --classes 1 --epochs 5 --device cpu --out corner1")
                .code,
            0);
  r = run_cli("detect fit --run corner1 --data " + data + " --device cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["score"], "auto: knn-input (power 0.5, blur 1)");
}

TEST(CliDetect, ImageReportPicturesTheTopAnomalies) {
  const std::string mlp = scratch_dir() + "/img_ae.json";
  std::ofstream(mlp)
      << R"({"name": "img_ae", "type": "mlp", "hidden": [16], "latent": 4, "output_activation": "sigmoid"})";
  ASSERT_EQ(run_cli("train --data idx:" + image_set() + " --config " + mlp +
                    " --classes 0-2 --epochs 5 --device cpu --out img_run")
                .code,
            0);
  ASSERT_EQ(run_cli("detect fit --run img_run --data idx:" + image_set() + " --score max").code, 0);
  auto r = run_cli("detect report --run img_run --data idx:" + image_set() +
                   " --anomaly-classes 3 --top 5 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["top_anomalies"].size(), 5u);
  EXPECT_TRUE(fs::exists(scratch_dir() + "/img_run/report/top_anomalies.png"));
}

// Any table with a label column: here 300 normal rows near a plane and 20 off it, "kind" labels.
TEST(CliDetect, CsvTableWithALabelColumn) {
  std::string csv = "a,b,c,kind\n";
  uint64_t st = 99;
  auto u = [&] {
    st = st * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(st >> 11) * 0x1.0p-53 - 0.5;
  };
  for (int i = 0; i < 320; ++i) {
    const double p = u(), q = u();
    const bool bad = i % 16 == 15;
    csv += std::to_string(p) + "," + std::to_string(q) + "," +
           std::to_string(p + q + (bad ? 3 + u() : 0.01 * u())) + (bad ? ",1\n" : ",0\n");
  }
  write_bytes(scratch_dir() + "/table.csv", csv);
  const std::string data = "csv:table.csv,label=kind";
  const std::string cfg = scratch_dir() + "/plane.json";
  std::ofstream(cfg)
      << R"({"name": "plane", "type": "mlp", "hidden": [8], "latent": 2, "activation": "tanh"})";
  ASSERT_EQ(run_cli("train --data " + data + " --config " + cfg +
                    " --classes 0 --epochs 60 --batch 16 --lr 0.01 "
                    "--scaler standard --device cpu --out plane_run")
                .code,
            0);
  ASSERT_EQ(run_cli("detect fit --run plane_run --data " + data + " --normal-classes 0").code, 0);
  auto r = run_cli("detect report --run plane_run --data " + data + " --anomaly-classes 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GE(last_json(r)["auroc"].get<double>(), 0.95);
  EXPECT_EQ(last_json(r)["n_anomalous"], 20);
}

TEST(CliDetect, ErrorsNameTheFlag) {
  expect_one_line_error(
      run_cli("detect fit --run " + normal_run() + " --data synthetic --score l2"), 2, "--score");
  expect_one_line_error(
      run_cli("detect fit --run " + normal_run() + " --data synthetic --threshold f1 --force"), 2,
      "--val-data");
  expect_one_line_error(
      run_cli("detect fit --run " + normal_run() + " --data synthetic --score elbo --force"), 2,
      "VAE");
  expect_one_line_error(run_cli("detect score --run nowhere --data synthetic --out x.csv"), 1,
                        "detector.json");
  expect_one_line_error(
      run_cli("detect fit --run " + normal_run() + " --data synthetic --threshold percentile:120"),
      2, "--threshold");
  ASSERT_EQ(
      run_cli("detect fit --run " + normal_run() + " --data synthetic --normal-classes 0 --force")
          .code,
      0);
  expect_one_line_error(run_cli("detect report --run " + normal_run() +
                                " --data synthetic --anomaly-classes 0 "
                                "--out-dir r2"),
                        2, "both normal and anomalous");
  expect_one_line_error(run_cli("detect report --run " + normal_run() +
                                " --data synthetic --anomaly-classes 7 "
                                "--out-dir r3"),
                        1, "both normal and anomalous");
  expect_one_line_error(run_cli("detect"), 2, "subcommand");
}

}  // namespace
}  // namespace hg::test

namespace hg::test {
namespace {

// AEGMM (apps/detect/aegmm.h): a mixture on the latent code and the two reconstruction features;
// its energy separates the synthetic table's anomalies, it survives the save/load of detector.json
// (scores from the reloaded detector equal the fit's report), and vaegmm asks for a VAE.
TEST(CliDetect, AegmmScoresSeparateTheAnomaliesAndReload) {
  ASSERT_EQ(run_cli("train --data synthetic --config " + kTabular +
                    " --classes 0 --epochs 20 --threads 1 --out aegmm_run")
                .code,
            0);
  auto r = run_cli(
      "detect fit --run aegmm_run --data synthetic --normal-classes 0 --score aegmm "
      "--json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(last_json(r)["score"], "aegmm");
  const auto state = nlohmann::json::parse(slurp(scratch_dir() + "/aegmm_run/detector.json"));
  EXPECT_NE(state.dump().find("gmm_cholesky"), std::string::npos);
  r = run_cli("detect report --run aegmm_run --data synthetic --anomaly-classes 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(last_json(r)["auroc"].get<double>(), 0.95);
  auto a = run_cli("detect score --run aegmm_run --data synthetic --out aegmm_a.csv");
  auto b = run_cli("detect score --run aegmm_run --data synthetic --out aegmm_b.csv");
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(slurp(scratch_dir() + "/aegmm_a.csv"), slurp(scratch_dir() + "/aegmm_b.csv"));
  expect_one_line_error(run_cli("detect fit --run aegmm_run --data synthetic --normal-classes 0 "
                                "--score vaegmm --force"),
                        2, "needs a VAE");
}

}  // namespace
}  // namespace hg::test
