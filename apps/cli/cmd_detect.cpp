// hourglass detect {fit, score, report, bench-oneclass}: anomaly detection with a trained run.
// fit and score live here; report and bench-oneclass in cmd_detect_report.cpp.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/cli/detect_commands.h"
#include "apps/cli/flags.h"
#include "apps/detect/detector.h"
#include "apps/detect/recipe.h"
#include "apps/detect/threshold.h"
#include "apps/metrics/metrics.h"
#include "apps/run/run_data.h"
#include "apps/train/trainer.h"
#include "engine/dist/comm.h"
#include "engine/io/atomic_file.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"

namespace hg::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Trains ensemble member i (i >= 1) with the main run's recorded options and another seed, or
// reuses it when its folder already holds a trained run.
std::string ensure_member(const std::string& run_dir, const run::LoadedRun& main, int i,
                          const std::string& device, bool retrain) {
  const std::string rel = "ensemble/" + std::to_string(i);
  const std::string dir = run::path_in(run_dir, rel);
  // Only a member that finished training is reused: the marker is written after it.
  const std::string done = run::path_in(dir, "member_complete.json");
  if (!retrain && fs::exists(done) && fs::exists(run::path_in(dir, "checkpoint.safetensors"))) {
    std::cerr << "detect fit: reusing ensemble member " << dir << "\n";
    return rel;
  }
  fs::create_directories(run::path_in(run_dir, "ensemble"));
  const std::string model_path = run::path_in(run_dir, "ensemble/model.json");
  io::write_json_atomic(model_path, main.config.at("model"));
  train::TrainOptions t = train::options_from_run(main.config, run_dir + "/config.json");
  t.seed += 1000003ULL * static_cast<uint64_t>(i);
  t.config = model_path;
  t.device = device;
  t.out = dir;
  t.force = true;
  std::cerr << "detect fit: training ensemble member " << i << " (seed " << t.seed << ") into "
            << dir << "\n";
  fs::remove(done);
  train::TrainResult r = train::train(t, std::cerr);
  if (r.interrupted)
    throw interrupt::Interrupted("detect fit: training ensemble member " + std::to_string(i) +
                                 " (unfinished, so it will be trained again) interrupted by " +
                                 interrupt::signal_name());
  io::write_json_atomic(done, {{"seed", t.seed}, {"epochs", r.history.size()}});
  return rel;
}

}  // namespace

void add_knn_flags(CLI::App& app, detect::ScoreOptions& opts) {
  app.add_option("--knn-k", opts.knn_k, "knn, knn-input: how many nearest normal rows are averaged")
      ->default_val(5)
      ->check(positive_count());
  app.add_option("--knn-power", opts.view.power,
                 "knn-input, mse-view and the classical scores: raise each input to this power "
                 "first (0.5 = square root; inputs must be >= 0)")
      ->default_val(1.0)
      ->check(real_in(0, true));
  app.add_option("--knn-blur", opts.view.blur,
                 "the same, images only: Gaussian blur sigma in pixels after the power (0 = none)")
      ->default_val(0.0)
      ->check(real_in(0, false, 10));
}

std::vector<detect::ScoreKind> resolve_scores(const CLI::App& app, const std::string& score,
                                              const run::LoadedRun& run,
                                              const data::Dataset& normal,
                                              detect::ScoreOptions& opts, std::string* described) {
  if (score != "auto") {
    *described = score;
    return detect::parse_score_list(score, "--score");
  }
  const detect::Recipe r = detect::auto_recipe(run, normal);
  // Knn settings given on the command line win over the recipe's.
  if (app.count("--knn-k") == 0) opts.knn_k = r.opts.knn_k;
  if (app.count("--knn-power") == 0) opts.view.power = r.opts.view.power;
  if (app.count("--knn-blur") == 0) opts.view.blur = r.opts.view.blur;
  *described = "auto: " + r.name;
  std::cerr << "detect: --score auto -> " << r.name << " (" << r.why << ")\n";
  return r.kinds;
}

namespace {

struct FitOptions {
  run::DataRequest data, val;
  std::string run, normal, score = "auto", threshold = "percentile:95", combine = "mean",
                           device = "auto";
  detect::ScoreOptions knn;
  int ensemble = 1, threads = 0;
  bool force = false, json = false;
};

// The normal labels: --normal-classes, else the classes the run was trained on, else none (every
// row is normal). When there are some, the fit rows are narrowed to them.
std::vector<int32_t> normal_classes(FitOptions& o, const run::LoadedRun& main) {
  std::vector<int32_t> normal;
  if (!o.normal.empty()) {
    normal = data::parse_class_list(o.normal, "--normal-classes");
  } else {
    const std::string trained = main.config.at("data").value("classes", std::string());
    if (!trained.empty()) normal = data::parse_class_list(trained, "the run's --classes");
  }
  if (!normal.empty()) {
    std::ostringstream cl;
    for (size_t i = 0; i < normal.size(); ++i) cl << (i ? "," : "") << normal[i];
    o.data.classes = cl.str();
    o.data.classes_flag = o.normal.empty() ? "the run's --classes" : "--normal-classes";
  }
  return normal;
}

// Sets the detector's threshold by --threshold (apps/detect/threshold.h) from the held-out normal
// scores `s`, loading --val-data only for the rules that use it; returns what the choice measured.
json choose_threshold(detect::LoadedDetector& ld, const detect::ThresholdRule& rule,
                      const std::vector<double>& s, const FitOptions& o,
                      const std::vector<int32_t>& normal, int64_t D) {
  const bool uses_val =
      rule.needs_labels() || rule.kind == detect::ThresholdRule::Kind::Contamination;
  std::optional<data::Dataset> val;
  if (uses_val && !o.val.spec.empty()) val = run::load_selection(o.val, D, o.run);
  const detect::ThresholdChoice c = detect::choose_threshold(
      rule, s, val ? &*val : nullptr, [&](const data::Dataset& d) { return ld.score(d); }, normal);
  ld.detector().threshold = c.threshold;
  return c.measured;
}

int run_fit(FitOptions& o, const CLI::App& app) {
  if (o.score != "auto") detect::parse_score_list(o.score, "--score");  // errors before any work
  const detect::ThresholdRule rule = detect::parse_threshold(o.threshold, "--threshold");
  if (o.ensemble < 1 || o.ensemble > 32) throw UsageError("--ensemble must be between 1 and 32");
  if (o.combine != "mean" && o.combine != "median")
    throw UsageError("--combine must be mean or median");
  if (rule.needs_labels() && o.val.spec.empty())
    throw UsageError("--threshold " + rule.text +
                     " needs labelled --val-data to choose the threshold on");
  if (fs::exists(run::path_in(o.run, "detector.json")) && !o.force)
    throw Error("--run " + o.run + ": already has a detector.json (use --force to replace it)");
  const Device device = start_compute(o.threads, o.device);
  run::LoadedRun main = run::load_run(o.run);
  const std::vector<int32_t> normal = normal_classes(o, main);

  detect::Detector d;
  d.combine = o.combine;
  d.rule = rule;
  d.normal_classes = normal;
  d.fit_data = o.data.spec;
  const int64_t D = main.model->input_dim();
  data::Dataset fit = run::load_selection(o.data, D, o.run);
  std::string described;
  const std::vector<detect::ScoreKind> kinds =
      resolve_scores(app, o.score, main, fit, o.knn, &described);
  std::vector<std::string> dirs{"."};
  for (int i = 1; i < o.ensemble; ++i)
    dirs.push_back(ensure_member(o.run, main, i, device.str(), o.force));
  d.members = detect::make_members(dirs, kinds, o.knn);
  d.score_text = described;
  detect::LoadedDetector ld(o.run, d, device);
  // The threshold comes from normal rows the detector was not fitted on (see fit_members).
  const std::vector<double> s = ld.fit_members(fit);
  detect::Detector& det = ld.detector();
  det.normal_summary = detect::summary_json(s);

  const json extra = choose_threshold(ld, rule, s, o, normal, D);
  ld.save();
  int64_t flagged = 0;
  for (double v : s) flagged += v > det.threshold;
  json j{{"run", o.run},
         {"score", described},
         {"rule", rule.text},
         {"threshold", det.threshold},
         {"ensemble", o.ensemble},
         {"normal_samples", fit.n},
         {"calibration_samples", static_cast<int64_t>(s.size())},
         {"normal_flagged", flagged},
         {"normal_summary", det.normal_summary},
         {"device", device.str()}};
  j.update(extra);
  if (o.json) {
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << "detector (" << described << ", " << rule.text << ") threshold " << det.threshold
              << ": " << flagged << " of " << s.size()
              << " held-out normal samples above it; saved " << o.run << "/detector.json\n";
  }
  return 0;
}

Action add_fit(CLI::App& app) {
  auto o = std::make_shared<FitOptions>();
  o->data.split = "train";
  o->val.split = "test";
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec, "Normal data to fit on (see hourglass train --help)")
      ->required();
  app.add_option("--split", o->data.split, "train or test")->default_val("train");
  app.add_option("--normal-classes", o->normal,
                 "The normal labels, e.g. 0-8 (default: the run's --classes, else every row)");
  app.add_option("--limit", o->data.limit, "Use the first N normal samples")
      ->check(positive_count());
  app.add_option("--score", o->score,
                 "auto (the best recipe for the run's kind of data), or mse, bce, max, "
                 "feature-count, mahalanobis, elbo, knn, knn-input, mse-view, iforest, lof, "
                 "ecod, pca, classifier, aegmm, vaegmm (a VAE's); a comma list (mse,knn-input) "
                 "combines their standardised scores")
      ->default_val("auto");
  app.add_option("--threshold", o->threshold,
                 "percentile:Q of the normal scores, f1 or youden (best on --val-data), "
                 "contamination:F, value:X")
      ->default_val("percentile:95");
  app.add_option("--val-data", o->val.spec,
                 "Labelled data for f1/youden (normal = --normal-classes, the rest anomalous)");
  app.add_option("--val-split", o->val.split, "Split of --val-data")->default_val("test");
  app.add_option("--val-limit", o->val.limit, "Use the first N rows of --val-data")
      ->check(positive_count());
  add_knn_flags(app, o->knn);
  app.add_option("--seed", o->knn.seed,
                 "Seed of the scores' random draws (iforest, lof, ecod, the classifier)")
      ->check(seed_value());
  app.add_option("--ensemble", o->ensemble, "K models (the run plus K-1 trained with other seeds)")
      ->default_val(1)
      ->check(positive_count());
  app.add_option("--combine", o->combine,
                 "How ensemble scores combine: mean or median of standardised scores")
      ->default_val("mean");
  app.add_option("--device", o->device, "auto, cpu or cuda")->default_val("auto");
  app.add_option("--threads", o->threads, "CPU threads (0: all cores)")->check(seed_value());
  app.add_flag("--force", o->force, "Replace an existing detector (and retrain ensemble members)");
  app.add_flag("--json", o->json, "Print a JSON summary as the last line");
  return [o, &app]() { return run_fit(*o, app); };
}

Action add_score(CLI::App& app) {
  struct Opts {
    run::DataRequest data;
    std::string run, out, device = "auto";
    int threads = 0;
    bool per_feature = false, force = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder with a fitted detector")->required();
  app.add_option("--data", o->data.spec, "Data to score")->required();
  app.add_option("--split", o->data.split, "train or test")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels");
  app.add_option("--limit", o->data.limit, "Use the first N samples")->check(positive_count());
  app.add_option("--out", o->out, "CSV file: index, label (if any), score, anomaly (0/1)")
      ->required();
  app.add_flag("--per-feature", o->per_feature,
               "Add each feature's squared error (for images: the error map)");
  app.add_flag("--force", o->force, "Overwrite --out");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    run::check_output_file(o->out, o->force, "--out");
    const Device device = start_compute(o->threads, o->device);
    detect::LoadedDetector ld = detect::LoadedDetector::load(o->run, device);
    const int64_t D = ld.main_run().model->input_dim();
    data::Dataset d = run::load_selection(o->data, D, o->run);
    const auto t0 = std::chrono::steady_clock::now();
    data::Dataset shard;
    const data::Dataset& mine = run::rank_share(d, shard);  // under mpirun: each rank its rows
    const std::vector<double> s = dist::allgather_rows(ld.score(mine), d.n, 1);
    const double score_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<float> fe;
    if (o->per_feature) fe = dist::allgather_rows(ld.feature_errors(mine), d.n, D);
    if (dist::rank() != 0) return 0;  // rank 0 writes the file and prints
    const double thr = ld.detector().threshold;
    std::ostringstream csv;
    csv.precision(9);
    csv << "index" << (d.has_labels() ? ",label" : "") << ",score,anomaly";
    if (o->per_feature)
      for (int64_t j = 0; j < D; ++j)
        csv << ",e_"
            << (static_cast<size_t>(j) < d.feature_names.size() ? d.feature_names[j]
                                                                : std::to_string(j));
    csv << "\n";
    int64_t flagged = 0;
    for (int64_t i = 0; i < d.n; ++i) {
      const bool a = s[static_cast<size_t>(i)] > thr;
      flagged += a;
      csv << i;
      if (d.has_labels()) csv << "," << d.y[static_cast<size_t>(i)];
      csv << "," << s[static_cast<size_t>(i)] << "," << (a ? 1 : 0);
      if (o->per_feature)
        for (int64_t j = 0; j < D; ++j) csv << "," << fe[static_cast<size_t>(i * D + j)];
      csv << "\n";
    }
    io::write_file_atomic(o->out, csv.str());
    // Throughput of the scoring pass alone (data already in memory; no CSV, no per-feature maps).
    json j{{"out", o->out},
           {"n", d.n},
           {"flagged", flagged},
           {"threshold", thr},
           {"device", device.str()},
           {"score_seconds", score_seconds},
           {"samples_per_s", score_seconds > 0 ? static_cast<double>(d.n) / score_seconds : 0.0}};
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      std::cout << "scored " << d.n << " samples, " << flagged << " above the threshold " << thr
                << " -> " << o->out << "\n";
    return 0;
  };
}

}  // namespace

Action add_detect(CLI::App& app) {
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Action>> subs;
  auto add = [&](Action (*fn)(CLI::App&), const char* name, const char* help) {
    CLI::App* s = app.add_subcommand(name, help);
    s->fallthrough();  // --gemm/--conv of `detect` may follow the subcommand
    subs.emplace_back(s, fn(*s));
  };
  add(add_fit, "fit", "Fit a detector (score, threshold) on normal data for a trained run");
  add(add_score, "score", "Score data with a fitted detector into a CSV");
  add(add_detect_report, "report", "Detection metrics and pictures on labelled data");
  add(add_detect_bench_oneclass, "bench-oneclass",
      "One-class protocol: train per class, AUROC table");
  return [subs]() {
    for (const auto& [s, action] : subs)
      if (s->parsed()) return action();
    throw UsageError("detect: give a subcommand (fit, score, report or bench-oneclass)");
  };
}

}  // namespace hg::cli
