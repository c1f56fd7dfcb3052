#include "apps/metrics/detect_charts.h"

#include <cmath>

#include "apps/report/layout.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::detect {

namespace {

constexpr uint32_t kGrey = 0x999999;

std::string fixed3(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

void unit_axes(report::Chart& c) {
  c.xmin = 0;
  c.xmax = 1;
  c.ymin = 0;
  c.ymax = 1;
}

void add_operating_point(report::Chart& c, const std::optional<std::pair<double, double>>& p) {
  if (!p) return;
  report::Series s;
  s.label = "operating point";
  s.kind = report::Series::Kind::Scatter;
  s.x = {p->first};
  s.y = {p->second};
  s.rgb = 0xD62728;
  s.width = 4.0f;
  c.series.push_back(std::move(s));
}

}  // namespace

report::Chart roc_chart(const RocCurve& roc, double auc,
                        std::optional<std::pair<double, double>> operating_point,
                        std::string title) {
  if (roc.fpr.size() != roc.tpr.size() || roc.fpr.empty())
    throw Error("roc_chart: the curve has " + std::to_string(roc.fpr.size()) + " fpr and " +
                std::to_string(roc.tpr.size()) +
                " tpr values (need the same number, at least one)");
  report::Chart c;
  c.title = std::move(title);
  c.xlabel = "false positive rate";
  c.ylabel = "true positive rate";
  unit_axes(c);
  report::Series curve;
  curve.label = "AUROC = " + fixed3(auc);
  curve.x = roc.fpr;
  curve.y = roc.tpr;
  curve.width = 2.0f;
  c.series.push_back(std::move(curve));
  report::Series chance;
  chance.label = "chance";
  chance.x = {0, 1};
  chance.y = {0, 1};
  chance.rgb = kGrey;
  chance.width = 1.0f;
  c.series.push_back(std::move(chance));
  add_operating_point(c, operating_point);
  return c;
}

report::Chart pr_chart(const PrCurve& pr, double ap, double prevalence,
                       std::optional<std::pair<double, double>> operating_point,
                       std::string title) {
  if (pr.precision.size() != pr.recall.size() || pr.precision.empty())
    throw Error("pr_chart: the curve has " + std::to_string(pr.precision.size()) +
                " precision and " + std::to_string(pr.recall.size()) +
                " recall values (need the same number, at least one)");
  report::Chart c;
  c.title = std::move(title);
  c.xlabel = "recall";
  c.ylabel = "precision";
  unit_axes(c);
  // Steps: over [recall[k-1], recall[k]] the height is precision[k], as in average precision.
  report::Series curve;
  curve.label = "AP = " + fixed3(ap);
  curve.width = 2.0f;
  curve.x.push_back(pr.recall[0]);
  curve.y.push_back(pr.precision[0]);
  for (size_t k = 1; k < pr.recall.size(); ++k) {
    curve.x.push_back(pr.recall[k - 1]);
    curve.y.push_back(pr.precision[k]);
    curve.x.push_back(pr.recall[k]);
    curve.y.push_back(pr.precision[k]);
  }
  c.series.push_back(std::move(curve));
  report::Series chance;
  chance.label = "chance (prevalence = " + report::detail::format_number(prevalence) + ")";
  chance.x = {0, 1};
  chance.y = {prevalence, prevalence};
  chance.rgb = kGrey;
  chance.width = 1.0f;
  c.series.push_back(std::move(chance));
  add_operating_point(c, operating_point);
  return c;
}

report::Chart score_histogram(const std::vector<double>& normal,
                              const std::vector<double>& anomalous, double threshold,
                              std::string title, std::string xlabel) {
  if (normal.empty() && anomalous.empty())
    throw Error("score_histogram '" + title + "': no scores to plot");
  // Scores that span more than two decades (anomalies with errors 100x the normal ones) are
  // binned on a log10 axis, or every normal sample would fall into the first bin.
  double lo = INFINITY, hi = 0;
  bool positive = true;
  for (const auto* g : {&normal, &anomalous})
    for (double v : *g) {
      if (!std::isfinite(v)) continue;
      positive = positive && v > 0;
      lo = std::min(lo, v), hi = std::max(hi, v);
    }
  const bool log_axis =
      positive && lo > 0 && hi / lo > 100.0 && (!std::isfinite(threshold) || threshold > 0);
  auto axis = [&](std::vector<double> v) {
    if (log_axis)
      for (double& x : v) x = std::log10(x);
    return v;
  };
  std::vector<std::pair<std::string, std::vector<double>>> groups;
  groups.emplace_back("normal", axis(normal));
  if (!anomalous.empty()) groups.emplace_back("anomalous", axis(anomalous));
  std::optional<double> t;
  if (std::isfinite(threshold)) t = log_axis ? std::log10(threshold) : threshold;
  report::Chart c = report::histogram_chart(groups, 50, t, std::move(title),
                                            log_axis ? "log10(" + xlabel + ")" : xlabel);
  if (log_axis && t)
    for (auto& vl : c.vlines) vl.label = "threshold = " + fmt::num(threshold, 4);
  return c;
}

}  // namespace hg::detect
