// Charts of an anomaly detector's scores: ROC curve, precision-recall curve and the score
// histogram of normal vs anomalous samples, as report::Chart objects (write them with
// report::write_png / write_svg / write_chart).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "apps/metrics/metrics.h"
#include "apps/report/chart.h"

namespace hg::detect {

// Series, in order: the ROC line (legend "AUROC = 0.xxx", three decimals), the chance diagonal
// (grey, legend "chance"), and, with an operating point (fpr, tpr) at the chosen threshold, one
// scatter marker (legend "operating point"). Both axes are fixed to [0, 1]. Throws hg::Error when
// the curve's fpr and tpr differ in size or are empty.
report::Chart roc_chart(const RocCurve& roc, double auc,
                        std::optional<std::pair<double, double>> operating_point,
                        std::string title);

// Series, in order: the precision-recall curve drawn as steps, so that the area under the drawn
// line is the average precision (legend "AP = 0.xxx"); the chance baseline, a grey horizontal line
// at precision = prevalence (legend "chance (prevalence = ...)"); and, with an operating point
// (recall, precision), one scatter marker (legend "operating point"). Axes fixed to [0, 1].
// Throws hg::Error when the curve's precision and recall differ in size or are empty.
report::Chart pr_chart(const PrCurve& pr, double ap, double prevalence,
                       std::optional<std::pair<double, double>> operating_point, std::string title);

// report::histogram_chart with 50 shared bins, groups "normal" and "anomalous" (the anomalous
// group is left out when empty) and a threshold line (none when the threshold is not finite).
// Throws hg::Error when both groups are empty.
report::Chart score_histogram(const std::vector<double>& normal,
                              const std::vector<double>& anomalous, double threshold,
                              std::string title, std::string xlabel);

}  // namespace hg::detect
