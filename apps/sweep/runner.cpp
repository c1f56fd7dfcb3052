#include "apps/sweep/runner.h"

#include <chrono>
#include <filesystem>
#include <ostream>
#include <sstream>

#include "apps/run/run_folder.h"
#include "apps/train/trainer.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"
#include "models/registry.h"

namespace hg::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kResult = "result.json";

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One training of the variant: its config file, the loss it sets, the shared rows, `classes`
// ("" = all) into `dir`.
train::TrainResult train_into(const SweepOptions& o, const Variant& v, const SweepData& d,
                              const std::string& config, const std::string& classes,
                              const std::string& dir, Device device, std::ostream& log) {
  train::TrainOptions t;
  t.data = d.spec;  // recorded in the run; the rows are the ones loaded once
  t.rows = d.train;
  t.config = config;
  t.epochs = o.epochs;
  if (const std::string loss = variant_loss(v); !loss.empty()) t.loss = loss;
  t.classes = classes;
  t.seed = o.seed;
  t.device = device.str();
  t.threads = o.threads;
  t.out = dir;
  t.force = true;  // the sweep owns the folder; an unfinished training there is redone
  std::ostringstream quiet;
  train::TrainResult r = train::train(t, o.verbose ? log : static_cast<std::ostream&>(quiet));
  if (r.interrupted) throw interrupt::Interrupted("training " + dir);
  return r;
}

json training_json(const train::TrainResult& r) {
  return {{"epochs", r.history.size()},
          {"best_epoch", r.best_epoch},
          {"stopped_early", r.stopped_early},
          {"final_val_loss", r.history.empty() ? json(nullptr) : json(r.history.back().val_loss)},
          {"parameters", r.parameters},
          {"seconds", r.seconds}};
}

// The held-out-class model of the anomaly task, trained and measured.
json anomaly_entry(const SweepOptions& o, const Variant& v, const SweepData& d,
                   const std::string& dir, Device device, std::ostream& log) {
  const std::string adir = run::path_in(dir, "anomaly");
  log << "sweep: " << v.name << ": training without class " << d.anomaly_class << "\n";
  const train::TrainResult tr =
      train_into(o, v, d, run::path_in(dir, "model.json"), d.normal_classes, adir, device, log);
  run::LoadedRun r = run::load_run(adir);
  r.model->to(device);
  json j = anomaly_figures(r, d, device);
  j["training"] = training_json(tr);
  return j;
}

}  // namespace

std::string variant_dir(const std::string& out, const Variant& v) {
  return (fs::path(out) / "variants" / v.name).string();
}

json completed_variant(const std::string& out, const Variant& v) {
  const std::string path = run::path_in(variant_dir(out, v), kResult);
  if (!fs::exists(path)) return nullptr;
  json j = io::read_json(path);
  if (j.value("settings", json()) != v.settings_json()) return nullptr;  // another sweep's
  return j;
}

json run_variant(const SweepOptions& o, const Variant& v, const SweepData& d, Device device,
                 std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string dir = variant_dir(o.out, v);
  const json model = variant_model_config(o.base, v, o.config);
  models::model_spec_from_json(model, o.config + " with " + v.name);  // refused before training
  fs::create_directories(dir);
  fs::remove(run::path_in(dir, kResult));  // not complete until written again
  io::write_json_atomic(run::path_in(dir, "model.json"), model);
  log << "sweep: " << v.name << ": training\n";
  const train::TrainResult tr =
      train_into(o, v, d, run::path_in(dir, "model.json"), "", dir, device, log);
  json j{{"name", v.name},
         {"settings", v.settings_json()},
         {"dir", "variants/" + v.name},
         {"training", training_json(tr)}};
  run::LoadedRun r = run::load_run(dir);
  r.model->to(device);
  std::vector<float> codes;
  if (o.tasks.reconstruct) j["reconstruct"] = reconstruct_figures(r, d.test, device, &codes);
  if (o.tasks.cluster) j["cluster"] = cluster_figures(r, d, std::move(codes), device, o.seed);
  if (o.tasks.anomaly) j["anomaly"] = anomaly_entry(o, v, d, dir, device, log);
  j["seconds"] = since(t0);
  io::write_json_atomic(run::path_in(dir, kResult), j);
  return j;
}

}  // namespace hg::sweep
