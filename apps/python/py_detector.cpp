#include "apps/python/py_detector.h"

#include <filesystem>

#include "apps/detect/recipe.h"
#include "apps/detect/threshold.h"
#include "engine/util/error.h"

namespace hg::py {

namespace {

std::vector<detect::ScoreKind> resolve_kinds(const DetectorFit& how, const run::LoadedRun& run,
                                             const data::Dataset& normal,
                                             detect::ScoreOptions& opts, std::string* described) {
  if (how.score != "auto") {
    *described = how.score;
    return detect::parse_score_list(how.score, "score");
  }
  const detect::Recipe r = detect::auto_recipe(run, normal);
  opts.knn_k = r.opts.knn_k;
  opts.view = r.opts.view;
  *described = "auto: " + r.name;
  return r.kinds;
}

}  // namespace

nlohmann::json fit_detector(const std::string& run_dir, const data::Dataset& normal,
                            const DetectorFit& how, Device device) {
  if (how.score != "auto") detect::parse_score_list(how.score, "score");  // before any work
  const detect::ThresholdRule rule = detect::parse_threshold(how.threshold, "threshold");
  if (rule.needs_labels())
    throw UsageError("threshold " + rule.text +
                     " needs labelled validation data; use contamination:F, percentile:Q or "
                     "value:X");
  if (std::filesystem::exists(run::path_in(run_dir, "detector.json")) && !how.force)
    throw Error(run_dir + ": already has a detector.json (pass force=True to replace it)");
  const run::LoadedRun main = run::load_run(run_dir);
  detect::ScoreOptions opts;
  opts.seed = how.seed;
  std::string described;
  const std::vector<detect::ScoreKind> kinds = resolve_kinds(how, main, normal, opts, &described);

  detect::Detector d;
  d.rule = rule;
  d.fit_data = "array";
  d.members = detect::make_members({"."}, kinds, opts);
  d.score_text = described;
  detect::LoadedDetector ld(run_dir, d, device);
  const std::vector<double> held_out = ld.fit_members(normal);
  ld.detector().normal_summary = detect::summary_json(held_out);
  const detect::ThresholdChoice c = detect::choose_threshold(
      rule, held_out, nullptr, [&](const data::Dataset& x) { return ld.score(x); }, {});
  ld.detector().threshold = c.threshold;
  ld.save();
  int64_t flagged = 0;
  for (double v : held_out) flagged += v > c.threshold;
  nlohmann::json j{{"run", run_dir},
                   {"score", described},
                   {"rule", rule.text},
                   {"threshold", c.threshold},
                   {"normal_samples", normal.n},
                   {"calibration_samples", static_cast<int64_t>(held_out.size())},
                   {"normal_flagged", flagged},
                   {"normal_summary", ld.detector().normal_summary},
                   {"device", device.str()}};
  j.update(c.measured);
  return j;
}

}  // namespace hg::py
