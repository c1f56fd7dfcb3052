// hourglass detect report (metrics and pictures on labelled data) and detect bench-oneclass (the
// one-class protocol: a model per class, each scored against every other class).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <set>

#include "apps/cli/detect_commands.h"
#include "apps/cli/flags.h"
#include "apps/detect/baselines.h"
#include "apps/detect/detector.h"
#include "apps/metrics/detect_charts.h"
#include "apps/metrics/metrics.h"
#include "apps/report/chart.h"
#include "apps/report/image_grid.h"
#include "apps/run/run_data.h"
#include "apps/train/trainer.h"
#include "engine/data/spec.h"
#include "engine/io/atomic_file.h"
#include "engine/io/staged_folder.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"

namespace hg::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Metrics {
  double auroc = 0, auprc = 0;
  detect::Confusion at;
  double best_f1 = 0, best_f1_threshold = 0, youden_j = 0, youden_threshold = 0;
};

Metrics compute_metrics(const std::vector<double>& s, const std::vector<int>& y, double threshold) {
  Metrics m;
  m.auroc = detect::auroc(s, y);
  m.auprc = detect::average_precision(s, y);
  m.at = detect::confusion_at(s, y, threshold);
  m.best_f1_threshold = detect::best_f1_threshold(s, y, &m.best_f1);
  m.youden_threshold = detect::youden_threshold(s, y, &m.youden_j);
  return m;
}

json metrics_json(const Metrics& m, double threshold) {
  const detect::Confusion& c = m.at;
  return {{"auroc", m.auroc},
          {"auprc", m.auprc},
          {"threshold", threshold},
          {"precision", c.precision},
          {"recall", c.recall},
          {"f1", c.f1},
          {"tpr", c.tpr},
          {"fpr", c.fpr},
          {"accuracy", c.accuracy},
          {"confusion", {{"tp", c.tp}, {"fp", c.fp}, {"tn", c.tn}, {"fn", c.fn}}},
          {"best_f1", {{"threshold", m.best_f1_threshold}, {"f1", m.best_f1}}},
          {"youden", {{"threshold", m.youden_threshold}, {"j", m.youden_j}}}};
}

void write_both(const report::Chart& c, const std::string& dir, const std::string& stem) {
  report::write_png(c, dir + "/" + stem + ".png");
  report::write_svg(c, dir + "/" + stem + ".svg");
}

// The top anomalies of image data: originals, reconstructions and error maps, one column each.
void write_top_anomalies(const detect::LoadedDetector& ld, const data::Dataset& d,
                         const std::vector<int64_t>& rows, const std::string& path) {
  const run::ImageShape shape = run::image_shape(ld.main_run(), "the top-anomalies picture");
  data::Dataset top = data::select_rows(d, rows);
  const std::vector<float> rec = ld.reconstructions(top);
  const std::vector<float> err = ld.feature_errors(top);
  const int64_t D = d.features();
  std::vector<float> maps(err.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    float mx = 0;
    for (int64_t j = 0; j < D; ++j) mx = std::max(mx, err[r * D + j]);
    for (int64_t j = 0; j < D; ++j) maps[r * D + j] = mx > 0 ? err[r * D + j] / mx : 0.0f;
  }
  std::vector<const float*> cells;
  const std::vector<float>* sources[] = {&top.x, &rec, &maps};
  for (const std::vector<float>* src : sources)
    for (size_t r = 0; r < rows.size(); ++r) cells.push_back(src->data() + r * D);
  report::write_image_grid_png(cells, static_cast<int>(shape.h), static_cast<int>(shape.w),
                               static_cast<int>(rows.size()), 3, path);
}

// The baselines fitted on the detector's own normal rows (the train split of its fit data, its
// normal classes) and scored on the report's rows; the verdict names the winner.
void add_baselines(json& j, const std::string& run_dir, const detect::Detector& det,
                   const std::vector<detect::BaselineSpec>& specs, const data::Dataset& test,
                   const std::vector<int>& labels, double own_auroc, int64_t D, Device device) {
  if (det.fit_data.empty())
    throw Error(run_dir +
                "/detector.json: no fit_data recorded, so the baselines cannot be fitted");
  run::DataRequest q;
  q.spec = det.fit_data;
  q.split = "train";
  std::string cl;
  for (int32_t c : det.normal_classes) cl += (cl.empty() ? "" : ",") + std::to_string(c);
  q.classes = cl;
  const data::Dataset normal = run::load_selection(q, D, run_dir);
  std::cerr << "detect report: fitting " << specs.size() << " baselines on " << normal.n
            << " normal rows\n";
  json arr = json::array();
  const detect::BaselineResult* best = nullptr;
  const std::vector<detect::BaselineResult> res =
      detect::run_baselines(run_dir, specs, normal, test, labels, device);
  for (const detect::BaselineResult& r : res) {
    json e{{"label", r.label}, {"score", r.score}, {"seconds", r.seconds}};
    if (r.error.empty()) {
      e["auroc"] = r.auroc, e["auprc"] = r.auprc;
      if (!best || r.auroc > best->auroc) best = &r;
    } else {
      e["auroc"] = nullptr, e["error"] = r.error;
    }
    arr.push_back(e);
  }
  j["baselines"] = arr;
  const std::string own = "the detector (" +
                          (det.score_text.empty() ? std::string("fitted") : det.score_text) +
                          ") AUROC " + fmt::num(own_auroc, 4);
  if (!best) {
    j["verdict"] = own + "; no baseline could run";
    return;
  }
  j["best_baseline"] = {{"label", best->label}, {"auroc", best->auroc}};
  const bool wins = own_auroc >= best->auroc;
  j["verdict"] = own + (wins ? " >= " : " < ") + "the best baseline, " + best->label + " " +
                 fmt::num(best->auroc, 4) + (wins ? ": the detector wins" : ": the baseline wins");
  j["detector_wins"] = wins;
}

struct ReportOptions {
  run::DataRequest data;
  std::string run, anomaly, normal, out_dir, baselines = "default", device = "auto";
  int top = 8, threads = 0;
  bool force = false, json = false;
};

// The detector's score kinds, each once, in member order (an ensemble repeats them).
std::string score_names(const detect::Detector& det) {
  std::string score;
  for (const detect::Member& m : det.members)
    if (score.find(detect::score_name(m.state.kind)) == std::string::npos)
      score += (score.empty() ? "" : ",") + detect::score_name(m.state.kind);
  return score;
}

// Histogram of the normal and anomalous scores, ROC and precision-recall curves, each with the
// detector's threshold marked.
void write_score_charts(const std::string& out, const std::vector<double>& s,
                        const std::vector<int>& labels, const std::vector<double>& sn,
                        const std::vector<double>& sa, const Metrics& m, double threshold,
                        const std::string& score) {
  write_both(detect::score_histogram(sn, sa, threshold, "Anomaly scores (" + score + ")", score),
             out, "histogram");
  write_both(detect::roc_chart(detect::roc_curve(s, labels), m.auroc,
                               std::make_pair(m.at.fpr, m.at.tpr), "ROC"),
             out, "roc");
  const double prevalence = static_cast<double>(sa.size()) / static_cast<double>(s.size());
  write_both(detect::pr_chart(detect::pr_curve(s, labels), m.auprc, prevalence,
                              std::make_pair(m.at.recall, m.at.precision), "Precision-recall"),
             out, "pr");
}

// The --top highest-scoring rows, pictured and listed with their row in --data.
void add_top_anomalies(json& j, const detect::LoadedDetector& ld, const data::Dataset& d,
                       const detect::LabelledRows& lr, const std::vector<double>& s, int top_n,
                       const std::string& out) {
  std::vector<int64_t> order(s.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return s[a] > s[b]; });
  order.resize(std::min<size_t>(order.size(), static_cast<size_t>(top_n)));
  write_top_anomalies(ld, d, order, out + "/top_anomalies.png");
  json top = json::array();
  for (int64_t r : order) top.push_back({{"row", lr.rows[r]}, {"label", d.y[r]}, {"score", s[r]}});
  j["top_anomalies"] = top;
}

void print_report(const json& j, const Metrics& m, double threshold, const std::string& out) {
  std::cout << "AUROC " << fmt::num(m.auroc, 4) << "  AUPRC " << fmt::num(m.auprc, 4)
            << "  at threshold " << threshold << ": precision " << fmt::num(m.at.precision, 4)
            << " recall " << fmt::num(m.at.recall, 4) << " F1 " << fmt::num(m.at.f1, 4) << " FPR "
            << fmt::num(m.at.fpr, 4) << "\n(TP " << m.at.tp << " FP " << m.at.fp << " TN "
            << m.at.tn << " FN " << m.at.fn << "; best F1 " << fmt::num(m.best_f1, 4) << " at "
            << m.best_f1_threshold << "; Youden J " << fmt::num(m.youden_j, 4) << " at "
            << m.youden_threshold << ")\n";
  if (j.contains("baselines")) {
    std::cout << "same data, other detectors (AUROC):\n";
    for (const json& b : j["baselines"])
      std::cout << "  " << b["label"].get<std::string>() << "  "
                << (b["auroc"].is_number() ? fmt::num(b["auroc"].get<double>(), 4)
                                           : "-  (" + b.value("error", std::string()) + ")")
                << "\n";
    std::cout << j["verdict"].get<std::string>() << "\n";
  }
  std::cout << "pictures and report.json in " << out << "\n";
}

int run_report(const ReportOptions& o) {
  if (o.top < 0 || o.top > 64) throw UsageError("--top must be between 0 and 64");
  const std::string out = o.out_dir.empty() ? run::path_in(o.run, "report") : o.out_dir;
  if (fs::exists(out) && !o.force)
    throw Error("--out-dir " + out + ": already exists (use --force to overwrite)");
  const Device device = start_compute(o.threads, o.device);
  detect::LoadedDetector ld = detect::LoadedDetector::load(o.run, device);
  const detect::Detector& det = ld.detector();
  const std::vector<int32_t> normal =
      o.normal.empty() ? det.normal_classes : data::parse_class_list(o.normal, "--normal-classes");
  const std::vector<int32_t> anomal = o.anomaly.empty()
                                          ? std::vector<int32_t>{}
                                          : data::parse_class_list(o.anomaly, "--anomaly-classes");
  data::Dataset all = run::load_selection(o.data, ld.main_run().model->input_dim(), o.run);
  const detect::LabelledRows lr = detect::label_rows(all, normal, anomal, "--data");
  data::Dataset d = data::select_rows(all, lr.rows);
  const std::vector<double> s = ld.score(d);
  const Metrics m = compute_metrics(s, lr.labels, det.threshold);  // errors for one class only
  const bool images = all.sample_shape.size() >= 2;
  const std::vector<detect::BaselineSpec> specs =
      detect::parse_baselines(o.baselines, images, "--baselines");

  io::StagedFolder stage(out);  // every chart and report.json, or none of them
  const std::string& dir = stage.dir();
  std::vector<double> sn, sa;
  for (size_t i = 0; i < s.size(); ++i) (lr.labels[i] ? sa : sn).push_back(s[i]);
  const std::string score = score_names(det);
  write_score_charts(dir, s, lr.labels, sn, sa, m, det.threshold, score);
  json j = metrics_json(m, det.threshold);
  j["score"] = score;
  j["n_normal"] = sn.size();
  j["n_anomalous"] = sa.size();
  j["run"] = o.run;
  j["out_dir"] = out;
  j["device"] = device.str();
  if (!specs.empty())
    add_baselines(j, o.run, det, specs, d, lr.labels, m.auroc, ld.main_run().model->input_dim(),
                  device);
  if (images && o.top > 0) add_top_anomalies(j, ld, d, lr, s, o.top, dir);
  io::write_json_atomic(dir + "/report.json", j);
  interrupt::check("detect report (nothing written to " + out + ")", "");
  stage.commit();
  if (o.json)
    std::cout << j.dump() << std::endl;
  else
    print_report(j, m, det.threshold, out);
  return 0;
}

}  // namespace

Action add_detect_report(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  app.add_option("--run", o->run, "Run folder with a fitted detector")->required();
  app.add_option("--data", o->data.spec, "Labelled data (IDX labels or csv:FILE,label=COLUMN)")
      ->required();
  app.add_option("--split", o->data.split, "train or test")->default_val("test");
  app.add_option("--anomaly-classes", o->anomaly,
                 "Anomalous labels, e.g. 9 (default: every class not normal)");
  app.add_option("--normal-classes", o->normal, "Normal labels (default: the detector's)");
  app.add_option("--limit", o->data.limit, "Use the first N samples")->check(positive_count());
  app.add_option("--out-dir", o->out_dir,
                 "Folder for the pictures and report.json (default RUN/report)");
  app.add_option("--top", o->top, "Top anomalies to picture (image data)")
      ->default_val(8)
      ->check(whole_number_in(0, 1000));
  app.add_option("--baselines", o->baselines,
                 "Detectors to compare on the same data: default (the model's mse, knn and the "
                 "model-free iforest, "
                 "lof, ecod, pca, knn-input), none, or a list of scores")
      ->default_val("default");
  app.add_flag("--force", o->force, "Overwrite an existing --out-dir");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_report(*o); };
}

}  // namespace hg::cli
