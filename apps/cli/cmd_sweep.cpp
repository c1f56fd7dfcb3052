// hourglass sweep: one base config, several variants of it (the cartesian product of the --vary
// axes, apps/sweep/variants.h), each trained in process and measured on the test split by the
// same tasks (apps/sweep/tasks.h). Out: OUT/sweep.json, a table, a chart per task and the elbow
// of the reconstruction error against the latent size (docs/sweep.md).
//
// OUT is never replaced without --force. sweep.json is rewritten (atomically) after every
// variant, so a stopped sweep leaves the variants it completed listed there; --resume reuses
// them and trains the rest. Ctrl-C / SIGTERM stop at the next safe point (a batch, a chunk of
// scored rows, a k-means run) and exit 130 / 143.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>

#include "apps/analysis/manifold_cluster.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/sweep/report.h"
#include "apps/sweep/runner.h"
#include "engine/data/spec.h"
#include "engine/io/atomic_file.h"
#include "engine/io/staged_folder.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"
#include "models/registry.h"

namespace hg::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kFitLimit = 10000;  // training rows k-means is fitted on (cluster's default)

struct SweepCli {
  std::string config, data, tasks = "reconstruct,anomaly,cluster", out, device = "auto";
  std::vector<std::string> vary;
  int64_t epochs = 0, limit = 0, anomaly_class = -1;
  uint64_t seed = 0;
  int threads = 0;
  bool force = false, resume = false, verbose = false, json = false;
};

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The held-out class (--anomaly-class, else the largest label: the seeds' "9 is the anomaly")
// and the other labels as --classes text.
void choose_anomaly_class(const SweepCli& o, const std::set<int32_t>& labels, sweep::SweepData& d) {
  if (labels.size() < 2)
    throw UsageError("--tasks anomaly: --data " + o.data + " has fewer than two classes");
  d.anomaly_class = o.anomaly_class >= 0 ? static_cast<int32_t>(o.anomaly_class) : *labels.rbegin();
  if (!labels.count(d.anomaly_class))
    throw UsageError("--anomaly-class " + std::to_string(o.anomaly_class) +
                     ": no training row has that label");
  for (int32_t c : labels)
    if (c != d.anomaly_class)
      d.normal_classes += (d.normal_classes.empty() ? "" : ",") + std::to_string(c);
}

sweep::SweepData load_data(const SweepCli& o, const sweep::Tasks& t) {
  const data::DataSpec spec = data::parse_spec(o.data);
  sweep::SweepData d;
  d.spec = o.data;
  data::Dataset train = data::load(spec, data::Split::Train);
  d.test = data::load(spec, data::Split::Test);
  if (o.limit > 0)
    train = data::take_first(train, o.limit), d.test = data::take_first(d.test, o.limit);
  d.images = train.sample_shape.size() >= 2;
  if ((t.anomaly || t.cluster) && (!train.has_labels() || !d.test.has_labels()))
    throw UsageError("--tasks " + std::string(t.anomaly ? "anomaly" : "cluster") + ": --data " +
                     o.data + " has no labels (reconstruct needs none)");
  const std::set<int32_t> labels(train.y.begin(), train.y.end());
  if (t.anomaly) choose_anomaly_class(o, labels, d);
  if (t.cluster) {
    d.k = static_cast<int>(labels.size());
    if (d.k < 2) throw UsageError("--tasks cluster: --data " + o.data + " has one class only");
    d.fit_rows = analysis::seeded_subsample(train.n, kFitLimit, o.seed);
  }
  d.train = std::make_shared<const data::Dataset>(std::move(train));
  return d;
}

// What identifies the sweep: --resume continues only a sweep asked for with the same settings.
json request_json(const SweepCli& o, const sweep::SweepOptions& so,
                  const std::vector<sweep::Axis>& axes, const sweep::SweepData& d) {
  json vary = json::array();
  for (const sweep::Axis& a : axes) vary.push_back({{"axis", a.name}, {"values", a.values}});
  return {{"config", o.config},
          {"model", so.base},
          {"data", o.data},
          {"vary", vary},
          {"tasks", so.tasks.names()},
          {"epochs", o.epochs > 0 ? json(o.epochs) : json(nullptr)},
          {"limit", o.limit > 0 ? json(o.limit) : json(nullptr)},
          {"seed", o.seed},
          {"anomaly_class", so.tasks.anomaly ? json(d.anomaly_class) : json(nullptr)}};
}

// The first key whose value differs, for the --resume error.
std::string first_difference(const json& a, const json& b) {
  for (const auto& [k, v] : a.items())
    if (!b.contains(k) || b[k] != v) return k;
  return "?";
}

// Refuses an OUT this command may not write (before any work): one that exists, unless --force
// and it is an earlier sweep's folder, or --resume and it is an earlier sweep of the same request.
// Returns whether OUT is to be replaced. Never an unrelated folder, even with --force.
bool check_out(const SweepCli& o, const json& request) {
  const std::string sj = (fs::path(o.out) / "sweep.json").string();
  if (o.resume) {
    if (!fs::exists(sj))
      throw Error("--resume: " + o.out + " holds no sweep.json (not a sweep folder)");
    const json saved = io::read_json(sj);
    json old = json::object();
    for (const auto& [k, v] : request.items())
      if (saved.contains(k)) old[k] = saved[k];
    if (old != request)
      throw UsageError("--resume: the sweep in " + o.out + " was run with another '" +
                       first_difference(request, old) +
                       "'; give the same flags to continue it, or --force to start again");
    return false;
  }
  if (fs::exists(o.out) && !fs::is_directory(o.out))
    throw Error("--out " + o.out + ": is a file, not a folder");
  if (!fs::is_directory(o.out) || fs::is_empty(o.out)) return false;
  if (!o.force)
    throw Error("--out " + o.out +
                ": already exists (use --force to replace it, or --resume to continue it)");
  if (!fs::exists(sj) && !fs::exists(fs::path(o.out) / "variants"))
    throw Error("--out " + o.out +
                ": exists and is not a sweep folder (no sweep.json); --force replaces only a "
                "sweep's folder");
  return true;
}

// Every variant's model config is checked before anything is trained or written.
void check_variants(const sweep::SweepOptions& so, const std::vector<sweep::Variant>& variants) {
  for (const sweep::Variant& v : variants)
    models::model_spec_from_json(sweep::variant_model_config(so.base, v, so.config),
                                 so.config + " with " + v.name);
}

}  // namespace

namespace {

struct Progress {
  json request, baseline, variants = json::array();
  size_t total = 0;
  std::string device;
  std::chrono::steady_clock::time_point t0;
};

json sweep_json(const Progress& p, const std::vector<sweep::Axis>& axes, bool complete) {
  json j = p.request;  // the settings at the top, as --resume reads them back
  j["variants"] = p.variants;
  j["variants_done"] = p.variants.size();
  j["variants_total"] = p.total;
  j["complete"] = complete;
  j["baseline"] = p.baseline;
  j["elbow"] = sweep::find_elbows(axes, p.variants);
  j["elbow_rule"] =
      "the point farthest from the chord joining the first and last points of test MSE against "
      "log2(latent), both axes scaled to [0, 1]";
  j["device"] = p.device;
  j["seconds"] = since(p.t0);
  return j;
}

std::string figures_line(const json& v) {
  std::string s;
  if (v.contains("reconstruct")) {
    s += "MSE " + fmt::num(v["reconstruct"]["mse"].get<double>(), 4);
    if (v["reconstruct"]["psnr"].is_number())
      s += ", PSNR " + fmt::fixed(v["reconstruct"]["psnr"].get<double>(), 2) + " dB";
  }
  if (v.contains("anomaly"))
    s += (s.empty() ? "" : ", ") + std::string("AUROC ") +
         fmt::fixed(v["anomaly"]["auroc"].get<double>(), 4);
  if (v.contains("cluster"))
    s += (s.empty() ? "" : ", ") + std::string("ACC ") +
         fmt::fixed(v["cluster"]["acc"].get<double>(), 4);
  return s;
}

std::string kept(size_t n) {
  return n == 0 ? std::string("no variant was complete; nothing is")
                : std::to_string(n) + (n == 1 ? " complete variant is" : " complete variants are");
}

// Every variant in turn; sweep.json after each. A signal keeps what is complete.
void run_variants(const sweep::SweepOptions& so, const std::vector<sweep::Variant>& variants,
                  const std::vector<sweep::Axis>& axes, const sweep::SweepData& d, Device device,
                  bool resume, Progress& p) {
  const std::string sj = (fs::path(so.out) / "sweep.json").string();
  for (size_t i = 0; i < variants.size(); ++i) {
    const sweep::Variant& v = variants[i];
    const std::string at = std::to_string(i + 1) + "/" + std::to_string(variants.size());
    json entry = resume ? sweep::completed_variant(so.out, v) : json();
    try {
      if (!entry.is_null()) {
        std::cerr << "sweep: variant " << at << " " << v.name << ": reusing the complete one\n";
      } else {
        interrupt::check("sweep variant " + at + " " + v.name);
        std::cerr << "sweep: variant " << at << " " << v.name << "\n";
        entry = sweep::run_variant(so, v, d, device, std::cerr);
      }
    } catch (const interrupt::Interrupted&) {
      throw interrupt::Interrupted(
          "sweep interrupted by " + interrupt::signal_name() + " at variant " + v.name + " (" + at +
          "); the " + std::to_string(p.variants.size()) + " complete variants are kept in " +
          so.out + " (sweep.json lists them; --resume continues)");
    }
    std::cerr << "sweep: " << v.name << ": " << figures_line(entry) << " ("
              << fmt::fixed(entry["seconds"].get<double>(), 1) << " s)\n";
    p.variants.push_back(entry);
    io::write_json_atomic(sj, sweep_json(p, axes, false));
  }
}

// The charts and the complete sweep.json, committed together.
void write_outputs(const std::string& out, const std::vector<sweep::Axis>& axes,
                   const sweep::Tasks& tasks, const json& j) {
  io::StagedFolder stage(out);
  for (const std::string& task : tasks.names()) {
    const report::Chart c = sweep::task_chart(task, axes, j);
    report::write_png(c, stage.path(task + ".png"));
    report::write_svg(c, stage.path(task + ".svg"));
  }
  io::write_json_atomic(stage.path("sweep.json"), j);
  stage.commit();
}

int run_sweep(const SweepCli& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.resume && o.force) throw UsageError("--resume and --force: give one (continue or replace)");
  const std::vector<sweep::Axis> axes = sweep::parse_axes(o.vary);
  sweep::SweepOptions so;
  so.tasks = sweep::parse_tasks(o.tasks);
  so.config = o.config, so.data = o.data, so.out = o.out, so.seed = o.seed;
  so.threads = o.threads, so.verbose = o.verbose;
  if (o.epochs > 0) so.epochs = o.epochs;
  so.base = models::load_model_spec(o.config).json;
  const std::vector<sweep::Variant> variants = sweep::expand(axes);
  check_variants(so, variants);
  const sweep::SweepData d = load_data(o, so.tasks);
  Progress p;
  p.request = request_json(o, so, axes, d);
  p.total = variants.size();
  p.t0 = t0;
  const bool replace = check_out(o, p.request);
  const Device device = start_compute(o.threads, o.device);
  p.device = device.str();
  if (so.tasks.cluster) p.baseline["cluster"] = sweep::pixel_baseline(d, o.seed);
  if (replace) fs::remove_all(o.out);  // only now: a stop before this leaves OUT as it was
  fs::create_directories(o.out);
  io::write_json_atomic((fs::path(o.out) / "sweep.json").string(), sweep_json(p, axes, false));
  run_variants(so, variants, axes, d, device, o.resume, p);
  const json j = sweep_json(p, axes, true);
  write_outputs(o.out, axes, so.tasks, j);
  if (o.json)
    std::cout << j.dump() << std::endl;
  else
    sweep::print_table(std::cout, axes, j);
  return 0;
}

}  // namespace

Action add_sweep(CLI::App& app) {
  auto o = std::make_shared<SweepCli>();
  app.add_option("--config", o->config, "Base model config, e.g. models/configs/mlp784.json")
      ->required();
  app.add_option("--data", o->data, "Data spec with train and test splits")->required();
  app.add_option("--vary", o->vary,
                 "An axis and its values, NAME=V1,V2,...: latent=2,4,8; depth=1,2,3; "
                 "hidden=256x128,512x256; loss=mse,bce (repeat for a cartesian product)")
      ->required();
  app.add_option("--tasks", o->tasks, "Comma list of reconstruct, anomaly, cluster")
      ->default_val("reconstruct,anomaly,cluster");
  app.add_option("--out", o->out, "Sweep folder (sweep.json, charts, variants/)")->required();
  app.add_option("--epochs", o->epochs,
                 "Most epochs per training (default: the config's; early stopping may end sooner)")
      ->check(positive_count());
  app.add_option("--limit", o->limit, "Use the first N rows of each split")
      ->check(positive_count());
  app.add_option("--anomaly-class", o->anomaly_class,
                 "anomaly: the class held out of training (default: the largest label)")
      ->check(seed_value());
  app.add_option("--seed", o->seed, "Seed of every training and k-means")->check(seed_value());
  app.add_flag("--force", o->force, "Replace an existing sweep folder");
  app.add_flag("--resume", o->resume, "Continue the interrupted sweep in --out");
  app.add_flag("--verbose", o->verbose, "The trainer's lines (every epoch) on stderr");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_sweep(*o); };
}

}  // namespace hg::cli
