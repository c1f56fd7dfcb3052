// hourglass detect bench-oneclass: the one-class protocol. For every class c of the data, a model
// is trained on the training images of c alone, a detector (the default recipe, or --score) is
// fitted on them, and the test split is scored: class c normal, every other class anomalous. The
// baselines (the model's own mse and knn, the model-free iforest, lof, ecod, pca, knn-input) are
// fitted on the same rows, so the table shows the detector beside them class by class.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include "apps/cli/detect_commands.h"
#include "apps/cli/flags.h"
#include "apps/detect/baselines.h"
#include "apps/detect/detector.h"
#include "apps/metrics/metrics.h"
#include "apps/train/trainer.h"
#include "engine/data/spec.h"
#include "engine/io/atomic_file.h"
#include "engine/ops/kernel_select.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"

namespace hg::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct OneClassOpts {
  std::string data, config, classes, score = "auto", baselines = "default", out, device = "auto";
  detect::ScoreOptions knn;
  int64_t epochs = 0, batch = 0, patience = -1;
  double val_split = 0.1;
  std::string lr_schedule;
  uint64_t seed = 0;
  int threads = 0;
  bool force = false, json = false;
};

std::vector<int32_t> classes_to_run(const OneClassOpts& o, const data::Dataset& train_all) {
  if (!o.classes.empty()) return data::parse_class_list(o.classes, "--classes");
  std::set<int32_t> seen(train_all.y.begin(), train_all.y.end());
  if (seen.size() < 2)
    throw UsageError("--data " + o.data + ": the one-class protocol needs at least two classes");
  return {seen.begin(), seen.end()};
}

std::string out_folder(const OneClassOpts& o, const std::string& kind) {
  if (!o.out.empty()) {
    if (fs::exists(o.out) && !o.force)
      throw Error("--out " + o.out + ": already exists (use --force to overwrite)");
    return o.out;
  }
  const std::string stem = "runs/oneclass-" + fs::path(o.config).stem().string() + "-" + kind;
  std::string out = stem;
  for (int i = 2; fs::exists(out) && !o.force; ++i) out = stem + "-" + std::to_string(i);
  return out;
}

train::TrainResult train_class(const OneClassOpts& o, int32_t c, const std::string& dir,
                               Device device) {
  train::TrainOptions t;
  t.data = o.data;
  t.config = o.config;
  if (o.epochs > 0) t.epochs = o.epochs;
  if (o.batch > 0) t.batch = o.batch;
  if (o.patience >= 0) t.patience = o.patience;
  if (!o.lr_schedule.empty()) t.lr_schedule = o.lr_schedule;
  t.classes = std::to_string(c);
  t.val_split = o.val_split;
  t.seed = o.seed;
  t.device = device.str();
  t.threads = o.threads;
  t.out = dir;
  t.force = true;
  std::ostringstream quiet;  // per-epoch lines of ten trainings would drown the table
  train::TrainResult tr = train::train(t, quiet);
  if (tr.interrupted)
    throw interrupt::Interrupted("bench-oneclass: training class " + std::to_string(c) +
                                 " interrupted by " + interrupt::signal_name() +
                                 "; no output was written");
  return tr;
}

void print_table(const json& j) {
  std::cout << "class  detector";
  for (const json& b : j["baseline_means"]) std::cout << " | " << b["label"].get<std::string>();
  std::cout << "\n";
  for (const json& r : j["per_class"]) {
    std::cout << "  " << r["class"].get<int>() << "    " << fmt::fixed(r["auroc"].get<double>(), 4);
    for (const json& b : r["baselines"])
      std::cout << " | "
                << (b["auroc"].is_number() ? fmt::fixed(b["auroc"].get<double>(), 4)
                                           : std::string("-"));
    std::cout << "\n";
  }
  std::cout << "mean  " << fmt::fixed(j["mean_auroc"].get<double>(), 4);
  for (const json& b : j["baseline_means"])
    std::cout << " | "
              << (b["mean_auroc"].is_number() ? fmt::fixed(b["mean_auroc"].get<double>(), 4)
                                              : std::string("-"));
  std::cout << "\n"
            << j["verdict"].get<std::string>() << " (runs in " << j["out"].get<std::string>()
            << ")\n";
}

// What the classes add up to: the detector's AUROC sum, each baseline's AUROC sum over the classes
// it ran on, and the detector's --score as resolved (for the verdict and oneclass.json).
struct Totals {
  double sum = 0;
  std::vector<double> base_sum;
  std::vector<int> base_n;
  std::string described;
};

// One class of the protocol: train on class c alone, fit and save its detector, score the test
// split (c normal, the rest anomalous) with it and the baselines. Returns the class's row.
json bench_class(const OneClassOpts& o, const CLI::App& app, int32_t c, const std::string& out,
                 const data::Dataset& train_all, const data::Dataset& test,
                 const std::vector<detect::BaselineSpec>& specs, Device device, Totals& t) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string dir = out + "/class-" + std::to_string(c);
  const train::TrainResult tr = train_class(o, c, dir, device);
  const data::Dataset normal = data::filter_classes(train_all, {c}, "--classes");
  run::LoadedRun run = run::load_run(dir);
  detect::ScoreOptions opts = o.knn;
  const std::vector<detect::ScoreKind> kinds =
      resolve_scores(app, o.score, run, normal, opts, &t.described);
  detect::Detector d;
  d.members = detect::make_members({"."}, kinds, opts);
  d.normal_classes = {c};
  d.fit_data = o.data;
  d.score_text = t.described;
  detect::LoadedDetector ld(dir, d, device);
  const std::vector<double> calib = ld.fit_members(normal);
  ld.detector().threshold = detect::threshold_percentile(calib, 95.0);
  ld.save();  // each class folder is a complete detector (score, report)
  std::vector<int> y(test.y.size());
  for (size_t i = 0; i < y.size(); ++i) y[i] = test.y[i] == c ? 0 : 1;
  const std::vector<double> s = ld.score(test);
  const double auc = detect::auroc(s, y), ap = detect::average_precision(s, y);
  json bases = json::array();
  for (const detect::BaselineResult& b :
       detect::run_baselines(dir, specs, normal, test, y, device)) {
    const size_t i = bases.size();
    bases.push_back(
        {{"label", b.label}, {"auroc", b.error.empty() ? json(b.auroc) : json(nullptr)}});
    if (b.error.empty()) t.base_sum[i] += b.auroc, ++t.base_n[i];
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << "class " << c << ": AUROC " << fmt::num(auc, 4) << "  AUPRC " << fmt::num(ap, 4)
            << "  (" << fmt::fixed(secs, 1) << " s, " << tr.history.size() << " epochs, kept epoch "
            << tr.best_epoch << ")\n";
  t.sum += auc;
  return {{"class", c},
          {"auroc", auc},
          {"auprc", ap},
          {"seconds", secs},
          {"baselines", bases},
          {"epochs", tr.history.size()},
          {"final_train_loss", tr.history.back().train_loss}};
}

// Each baseline's mean AUROC, null unless it ran on every class; `best` and `best_label` get the
// highest mean (best stays -1 when none has one).
json baseline_means(const std::vector<detect::BaselineSpec>& specs, const Totals& t,
                    size_t nclasses, double& best, std::string& best_label) {
  json means = json::array();
  for (size_t i = 0; i < specs.size(); ++i) {
    const json m = t.base_n[i] == static_cast<int>(nclasses) ? json(t.base_sum[i] / t.base_n[i])
                                                             : json(nullptr);
    means.push_back({{"label", specs[i].label}, {"mean_auroc", m}});
    if (m.is_number() && m.get<double>() > best)
      best = m.get<double>(), best_label = specs[i].label;
  }
  return means;
}

int run_bench_oneclass(const OneClassOpts& o, const CLI::App& app) {
  if (o.score != "auto") detect::parse_score_list(o.score, "--score");
  if (o.epochs < 0) throw UsageError("--epochs must be at least 1");
  const data::DataSpec spec = data::parse_spec(o.data);
  const data::Dataset train_all = data::load(spec, data::Split::Train);
  const data::Dataset test = data::load(spec, data::Split::Test);
  if (!train_all.has_labels() || !test.has_labels())
    throw UsageError("--data " + o.data + ": the one-class protocol needs labels");
  const std::vector<int32_t> classes = classes_to_run(o, train_all);
  const std::vector<detect::BaselineSpec> specs =
      detect::parse_baselines(o.baselines, train_all.sample_shape.size() >= 2, "--baselines");
  const std::string out = out_folder(o, spec.kind);
  const Device device = resolve_device(o.device, std::cerr);
  ops::check_kernels_run_on(device);
  const auto t_start = std::chrono::steady_clock::now();
  json per_class = json::array();
  Totals t;
  t.base_sum.assign(specs.size(), 0.0);
  t.base_n.assign(specs.size(), 0);
  for (int32_t c : classes) {  // each finished class keeps its folder; the table needs them all
    interrupt::check("bench-oneclass (classes before " + std::to_string(c) + " are complete)", "");
    per_class.push_back(bench_class(o, app, c, out, train_all, test, specs, device, t));
  }
  const double mean = t.sum / static_cast<double>(classes.size());
  double best = -1;
  std::string best_label;
  const json means = baseline_means(specs, t, classes.size(), best, best_label);
  std::string verdict = "detector (" + t.described + ") mean AUROC " + fmt::num(mean, 4);
  if (best >= 0)
    verdict += (mean >= best ? " >= " : " < ") + std::string("the best baseline, ") + best_label +
               " " + fmt::num(best, 4) +
               (mean >= best ? ": the detector wins" : ": the baseline wins");
  json j{{"per_class", per_class},
         {"mean_auroc", mean},
         {"score", t.described},
         {"baseline_means", means},
         {"verdict", verdict},
         {"config", o.config},
         {"data", o.data},
         {"out", out},
         {"device", device.str()},
         {"seconds",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count()}};
  io::write_json_atomic(out + "/oneclass.json", j);
  if (o.json)
    std::cout << j.dump() << std::endl;
  else
    print_table(j);
  return 0;
}

}  // namespace

Action add_detect_bench_oneclass(CLI::App& app) {
  auto o = std::make_shared<OneClassOpts>();
  app.add_option("--data", o->data, "Labelled image or table data with train and test splits")
      ->required();
  app.add_option("--config", o->config, "Model config, e.g. models/configs/mlp784.json")
      ->required();
  app.add_option("--epochs", o->epochs,
                 "Most epochs per class (default: the config's; early stopping may end sooner)")
      ->check(positive_count());
  app.add_option("--batch", o->batch, "Batch size (default: the config's)")
      ->check(positive_count());
  app.add_option("--patience", o->patience,
                 "Early-stopping patience in epochs (0: off; default: the config's)");
  app.add_option("--lr-schedule", o->lr_schedule,
                 "constant, plateau or cosine (default: the config's)");
  app.add_option("--val-split", o->val_split,
                 "Share of each class's training images held out for early stopping")
      ->default_val(0.1);
  app.add_option("--classes", o->classes,
                 "Classes to run (default: every class of the training split)");
  app.add_option("--score", o->score, "The detector: auto (default) or any --score of detect fit")
      ->default_val("auto");
  app.add_option("--baselines", o->baselines,
                 "Detectors to compare: default, none, or a list of scores")
      ->default_val("default");
  add_knn_flags(app, o->knn);
  app.add_option("--seed", o->seed, "Seed of every class's training")->check(seed_value());
  app.add_option("--out", o->out,
                 "Folder for the per-class runs (default runs/oneclass-<config>-<data>)");
  app.add_flag("--force", o->force, "Overwrite --out");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o, &app]() { return run_bench_oneclass(*o, app); };
}

}  // namespace hg::cli
