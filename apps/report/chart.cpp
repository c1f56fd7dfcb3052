// Chart builders (histogram, loss curve) and the by-extension writer.
#include "apps/report/chart.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "apps/report/layout.h"
#include "engine/util/error.h"

namespace hg::report {

std::vector<double> histogram_counts(const std::vector<double>& values, int bins, double lo,
                                     double hi) {
  if (bins < 1) throw Error("histogram: bins must be >= 1 (got " + std::to_string(bins) + ")");
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi))
    throw Error("histogram: need finite lo < hi");
  std::vector<double> counts(static_cast<size_t>(bins), 0.0);
  const double scale = bins / (hi - lo);
  for (double v : values) {
    if (!std::isfinite(v) || v < lo || v > hi) continue;
    const int b = std::min(bins - 1, static_cast<int>((v - lo) * scale));
    counts[static_cast<size_t>(b)] += 1;
  }
  return counts;
}

Chart histogram_chart(const std::vector<std::pair<std::string, std::vector<double>>>& groups,
                      int bins, std::optional<double> threshold, std::string title,
                      std::string xlabel) {
  if (bins < 1)
    throw Error("histogram '" + title + "': bins must be >= 1 (got " + std::to_string(bins) + ")");
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& g : groups)
    for (double v : g.second)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (threshold && std::isfinite(*threshold))
    lo = std::min(lo, *threshold), hi = std::max(hi, *threshold);
  if (!(lo <= hi)) lo = 0, hi = 1;  // no finite values at all
  if (lo == hi) {
    const double d = std::max(std::abs(lo) * 0.05, 0.5);
    lo -= d, hi += d;
  }
  Chart c;
  c.title = std::move(title);
  c.xlabel = std::move(xlabel);
  c.ylabel = "count";
  const double w = (hi - lo) / bins;
  for (const auto& [label, values] : groups) {
    Series s;
    s.kind = Series::Kind::Bars;
    const auto n =
        std::count_if(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
    s.label = label + " (n=" + std::to_string(n) + ")";
    s.y = histogram_counts(values, bins, lo, hi);
    for (int b = 0; b < bins; ++b) s.x.push_back(lo + (b + 0.5) * w);
    c.series.push_back(std::move(s));
  }
  if (threshold)
    c.vlines.push_back({*threshold, "threshold = " + detail::format_number(*threshold)});
  c.xmin = lo;
  c.xmax = hi;
  return c;
}

Chart loss_curve_chart(const std::vector<double>& train, const std::vector<double>& val,
                       std::string title) {
  Chart c;
  c.title = std::move(title);
  c.xlabel = "epoch";
  c.ylabel = "loss";
  double lo = INFINITY, hi = -INFINITY;
  auto add = [&](const std::vector<double>& v, const char* label) {
    if (v.empty()) return;
    Series s;
    s.label = label;
    s.width = 2.0f;
    for (size_t i = 0; i < v.size(); ++i) {
      s.x.push_back(static_cast<double>(i + 1));
      s.y.push_back(v[i]);
      if (std::isfinite(v[i]) && v[i] > 0) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
    }
    c.series.push_back(std::move(s));
  };
  add(train, "train");
  add(val, "validation");
  c.log_y = lo > 0 && std::isfinite(hi) && hi / lo > 20;
  return c;
}

void write_chart(const Chart& c, const std::string& path) {
  const auto dot = path.find_last_of('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  if (ext == "png")
    write_png(c, path);
  else if (ext == "svg")
    write_svg(c, path);
  else
    throw Error(path + ": unknown chart format (expected a .png or .svg file name)");
}

}  // namespace hg::report
