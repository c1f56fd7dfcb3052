#include "apps/detect/threshold.h"

#include "apps/metrics/metrics.h"
#include "engine/util/error.h"

namespace hg::detect {

namespace {

// The best F1 or Youden threshold on the labelled validation rows.
ThresholdChoice best_on_labels(
    const ThresholdRule& rule, const data::Dataset& val,
    const std::function<std::vector<double>(const data::Dataset&)>& score,
    const std::vector<int32_t>& normal) {
  const LabelledRows lr = label_rows(val, normal, {}, "--val-data");
  const std::vector<double> all = score(val);
  std::vector<double> sv;
  for (int64_t r : lr.rows) sv.push_back(all[static_cast<size_t>(r)]);
  ThresholdChoice c;
  double best = 0;
  if (rule.kind == ThresholdRule::Kind::F1) {
    c.threshold = best_f1_threshold(sv, lr.labels, &best);
    c.measured["val_f1"] = best;
  } else {
    c.threshold = youden_threshold(sv, lr.labels, &best);
    c.measured["val_youden_j"] = best;
  }
  return c;
}

}  // namespace

ThresholdChoice choose_threshold(
    const ThresholdRule& rule, const std::vector<double>& held_out, const data::Dataset* val,
    const std::function<std::vector<double>(const data::Dataset&)>& score,
    const std::vector<int32_t>& normal) {
  ThresholdChoice c;
  switch (rule.kind) {
    case ThresholdRule::Kind::Percentile:
      c.threshold = threshold_percentile(held_out, rule.param);
      break;
    case ThresholdRule::Kind::Value: c.threshold = rule.param; break;
    case ThresholdRule::Kind::Contamination:
      c.threshold = threshold_contamination(val ? score(*val) : held_out, rule.param);
      break;
    case ThresholdRule::Kind::F1:
    case ThresholdRule::Kind::Youden:
      if (!val) throw UsageError("--threshold " + rule.text + " needs labelled --val-data");
      c = best_on_labels(rule, *val, score, normal);
      break;
  }
  return c;
}

}  // namespace hg::detect
