#include "apps/sweep/report.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>

#include "apps/sweep/elbow.h"
#include "engine/util/format.h"

namespace hg::sweep {

using nlohmann::json;

namespace {

const Axis* find_axis(const std::vector<Axis>& axes, AxisKind k) {
  for (const Axis& a : axes)
    if (a.kind == k) return &a;
  return nullptr;
}

// The x axis of the charts: latent when varied (the sweep's main question), else the first.
const Axis& x_axis(const std::vector<Axis>& axes) {
  const Axis* latent = find_axis(axes, AxisKind::Latent);
  return latent ? *latent : axes.front();
}

// Where a value sits on the x axis: log2 of a latent size, a depth itself, else its list place.
double x_position(const Axis& a, const json& value) {
  if (a.kind == AxisKind::Latent) return std::log2(value.get<double>());
  if (a.kind == AxisKind::Depth) return value.get<double>();
  const auto it = std::find(a.values.begin(), a.values.end(), value);
  return static_cast<double>(it - a.values.begin());
}

// j[key] when j is an object holding it, else null (sweep.json read back may lack parts).
json member(const json& j, const char* key) {
  return j.is_object() && j.contains(key) ? j[key] : json();
}

json without(const json& settings, const std::string& axis) {
  json j = settings;
  j.erase(axis);
  return j;
}

std::string group_label(const json& others) {
  std::string s;
  for (const auto& [k, v] : others.items()) s += (s.empty() ? "" : ", ") + k + "-" + value_text(v);
  return s;
}

// The task's headline figure of a variant entry, or NaN when it was not measured.
double figure(const json& v, const std::string& task) {
  static const std::vector<std::pair<std::string, std::string>> keys = {
      {"reconstruct", "mse"}, {"anomaly", "auroc"}, {"cluster", "acc"}};
  for (const auto& [t, key] : keys)
    if (t == task && v.contains(t) && v[t].value(key, json()).is_number())
      return v[t][key].get<double>();
  return std::nan("");
}

// Variants grouped by every setting but `axis`, in order of first appearance.
std::vector<std::pair<json, std::vector<const json*>>> groups_without(const json& variants,
                                                                      const std::string& axis) {
  std::vector<std::pair<json, std::vector<const json*>>> out;
  for (const json& v : variants) {
    const json key = without(v["settings"], axis);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == key; });
    if (it == out.end()) {
      out.emplace_back(key, std::vector<const json*>{});
      it = out.end() - 1;
    }
    it->second.push_back(&v);
  }
  return out;
}

json group_elbow(const json& key, std::vector<const json*> members) {
  std::sort(members.begin(), members.end(), [](const json* a, const json* b) {
    return (*a)["settings"]["latent"].get<int64_t>() < (*b)["settings"]["latent"].get<int64_t>();
  });
  std::vector<double> x, y;
  json points = json::array();
  for (const json* v : members) {
    const int64_t latent = (*v)["settings"]["latent"].get<int64_t>();
    x.push_back(std::log2(static_cast<double>(latent)));
    y.push_back(figure(*v, "reconstruct"));
    points.push_back({latent, y.back()});
  }
  const Elbow e = find_elbow(x, y);
  json j{{"group", key},      {"x", "log2(latent)"}, {"y", "reconstruct.mse"}, {"points", points},
         {"latent", nullptr}, {"variant", nullptr},  {"distance", e.distance}};
  if (e.index >= 0) {
    j["latent"] = (*members[e.index])["settings"]["latent"];
    j["variant"] = (*members[e.index])["name"];
  } else {
    j["why"] = x.size() < 3 ? "fewer than 3 latent sizes" : "every point lies on the chord";
  }
  return j;
}

}  // namespace

json find_elbows(const std::vector<Axis>& axes, const json& variants) {
  json out = json::array();
  if (!find_axis(axes, AxisKind::Latent)) return out;
  json measured = json::array();
  for (const json& v : variants)
    if (!std::isnan(figure(v, "reconstruct"))) measured.push_back(v);
  for (const auto& [key, members] : groups_without(measured, "latent"))
    out.push_back(group_elbow(key, members));
  return out;
}

namespace {

void add_baseline(report::Chart& c, const json& sweep, const std::vector<double>& xs) {
  const json b = member(member(sweep, "baseline"), "cluster");
  if (!b.is_object() || xs.empty()) return;
  report::Series s;
  s.label = "k-means on pixels (baseline)";
  s.rgb = 0x888888;
  s.x = {*std::min_element(xs.begin(), xs.end()), *std::max_element(xs.begin(), xs.end())};
  s.y = {b["acc"].get<double>(), b["acc"].get<double>()};
  c.series.push_back(s);
}

void add_elbows(report::Chart& c, const json& sweep) {
  for (const json& e : member(sweep, "elbow")) {
    if (e["latent"].is_null()) continue;
    const std::string group = group_label(e["group"]);
    c.vlines.push_back(
        {std::log2(e["latent"].get<double>()),
         "elbow: latent " + e["latent"].dump() + (group.empty() ? "" : " (" + group + ")")});
  }
}

void label_axes(report::Chart& c, const std::string& task, const Axis& xa, const json& sweep) {
  c.xlabel = xa.kind == AxisKind::Latent ? "latent size (log2 scale)" : xa.name;
  if (task == "reconstruct") {
    const std::string data = sweep.value("data", std::string());
    c.title = "Test reconstruction error (" + data.substr(0, data.find(':')) + ")";
    c.ylabel = "test MSE";
  } else if (task == "anomaly") {
    c.title =
        "Anomaly detection, class " + sweep.value("anomaly_class", json()).dump() + " held out";
    c.ylabel = "test AUROC of the reconstruction error";
  } else {
    c.title = "k-means on the latent codes against k-means on pixels";
    c.ylabel = "test clustering accuracy";
  }
}

}  // namespace

report::Chart task_chart(const std::string& task, const std::vector<Axis>& axes,
                         const json& sweep) {
  const Axis& xa = x_axis(axes);
  report::Chart c;
  label_axes(c, task, xa, sweep);
  std::vector<double> xs;
  for (const json& v : xa.values) {
    xs.push_back(x_position(xa, v));
    c.xticks.emplace_back(xs.back(), value_text(v));
  }
  for (const auto& [key, members] : groups_without(sweep["variants"], xa.name)) {
    std::vector<std::pair<double, double>> pts;
    for (const json* v : members)
      pts.emplace_back(x_position(xa, (*v)["settings"][xa.name]), figure(*v, task));
    std::sort(pts.begin(), pts.end());
    report::Series s;
    s.label = group_label(key);
    s.width = 2.0f;
    for (const auto& [x, y] : pts) s.x.push_back(x), s.y.push_back(y);
    c.series.push_back(s);
  }
  if (task == "cluster") add_baseline(c, sweep, xs);
  if (task == "reconstruct") add_elbows(c, sweep);
  return c;
}

namespace {

std::string cell(const json& v, const char* task, const char* key, int decimals) {
  if (!v.contains(task) || !v[task].value(key, json()).is_number()) return "-";
  return fmt::fixed(v[task][key].get<double>(), decimals);
}

}  // namespace

void print_table(std::ostream& out, const std::vector<Axis>& axes, const json& sweep) {
  const auto col = [&](const std::string& s, int w) { out << std::left << std::setw(w) << s; };
  // An axis column is as wide as its name needs (decoder-width), at least 10.
  const auto axis_width = [](const Axis& a) { return std::max(10, int(a.name.size()) + 2); };
  int name_width = 26;  // variant names grow with the axes: "decoder-width-0.25_latent-8"
  for (const json& v : sweep["variants"])
    name_width = std::max(name_width, int(v["name"].get<std::string>().size()) + 2);
  col("variant", name_width);
  for (const Axis& a : axes) col(a.name, axis_width(a));
  for (const char* h : {"epochs", "test MSE", "PSNR dB", "AUROC", "ACC", "NMI", "seconds"})
    col(h, 10);
  out << "\n";
  for (const json& v : sweep["variants"]) {
    col(v["name"].get<std::string>(), name_width);
    for (const Axis& a : axes) col(value_text(v["settings"][a.name]), axis_width(a));
    col(v["training"]["epochs"].dump(), 10);
    col(cell(v, "reconstruct", "mse", 5), 10);
    col(cell(v, "reconstruct", "psnr", 2), 10);
    col(cell(v, "anomaly", "auroc", 4), 10);
    col(cell(v, "cluster", "acc", 4), 10);
    col(cell(v, "cluster", "nmi", 4), 10);
    col(fmt::fixed(v["seconds"].get<double>(), 1), 10);
    out << "\n";
  }
  if (const json b = member(member(sweep, "baseline"), "cluster"); b.is_object())
    out << "baseline: k-means on pixels ACC " << fmt::fixed(b["acc"].get<double>(), 4) << ", NMI "
        << fmt::fixed(b["nmi"].get<double>(), 4) << " (k = " << b["k"] << ")\n";
  for (const json& e : member(sweep, "elbow")) {
    const std::string group = group_label(e["group"]);
    out << "elbow of the test MSE against log2(latent)" << (group.empty() ? "" : " at " + group)
        << ": "
        << (e["latent"].is_null() ? "none (" + e.value("why", std::string()) + ")"
                                  : "latent " + e["latent"].dump() + " (distance " +
                                        fmt::fixed(e["distance"].get<double>(), 3) +
                                        " from the chord, axes scaled to [0, 1])")
        << "\n";
  }
}

}  // namespace hg::sweep
