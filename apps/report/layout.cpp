#include "apps/report/layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/util/error.h"

namespace hg::report::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string chart_name(const Chart& c) {
  return c.title.empty() ? "chart" : "chart '" + c.title + "'";
}

bool usable_y(double y, bool log) { return std::isfinite(y) && (!log || y > 0); }

// Smallest positive spacing between sorted finite x values; 0 when fewer than two distinct.
double min_spacing(const std::vector<double>& xs) {
  std::vector<double> v;
  for (double x : xs)
    if (std::isfinite(x)) v.push_back(x);
  std::sort(v.begin(), v.end());
  double best = kInf;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[i - 1]) best = std::min(best, v[i] - v[i - 1]);
  return std::isfinite(best) ? best : 0;
}

double nice_step(double span, double target_ticks) {
  const double raw = span / std::max(1.0, target_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag * 1.0000001) return m * mag;
  return 10 * mag;
}

void linear_ticks(Axis& a, double lo, double hi, double target) {
  const double step = nice_step(hi - lo, target);
  if (!(step > 0) || !std::isfinite(step)) return;
  const double k0 = std::ceil(lo / step - 1e-9), k1 = std::floor(hi / step + 1e-9);
  if (!(k1 - k0 < 200)) return;  // absurd range (e.g. 1e300 wide): no ticks rather than a hang
  for (double k = k0; k <= k1; ++k) {
    const double v = k == 0 ? 0.0 : k * step;
    a.ticks.push_back(v);
    a.labels.push_back(format_tick(v, step));
  }
}

// Liang-Barsky: clips segment a-b to r; false when nothing is left.
bool clip_segment(Pt& a, Pt& b, const Rect& r) {
  double t0 = 0, t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy}, q[4] = {a.x - r.x0, r.x1 - a.x, a.y - r.y0, r.y1 - a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0)
      t0 = std::max(t0, t);
    else
      t1 = std::min(t1, t);
    if (t0 > t1) return false;
  }
  const Pt a0 = a;
  a = {a0.x + t0 * dx, a0.y + t0 * dy};
  b = {a0.x + t1 * dx, a0.y + t1 * dy};
  return true;
}

bool inside(const Pt& p, const Rect& r) {
  return p.x >= r.x0 && p.x <= r.x1 && p.y >= r.y0 && p.y <= r.y1;
}

// Splits a run into the pieces inside r (so renderers never see far off-canvas coordinates).
std::vector<std::vector<Pt>> clip_run(const std::vector<Pt>& run, const Rect& r, bool connected) {
  std::vector<std::vector<Pt>> out;
  if (!connected || run.size() == 1) {
    for (const Pt& p : run)
      if (inside(p, r)) out.push_back({p});
    if (connected) return out;
    std::vector<Pt> pts;
    for (auto& v : out) pts.push_back(v[0]);
    return pts.empty() ? std::vector<std::vector<Pt>>{} : std::vector<std::vector<Pt>>{pts};
  }
  for (size_t k = 0; k + 1 < run.size(); ++k) {
    Pt a = run[k], b = run[k + 1];
    if (!clip_segment(a, b, r)) continue;
    if (out.empty() || out.back().back().x != a.x || out.back().back().y != a.y) out.push_back({a});
    out.back().push_back(b);
  }
  return out;
}

// Decades (every k-th when many), adding 2x and 5x when the range spans under two decades.
void log_ticks(Axis& a, double target) {
  const int d0 = static_cast<int>(std::floor(a.lo + 1e-9)),
            d1 = static_cast<int>(std::ceil(a.hi - 1e-9));
  const int decades = d1 - d0;
  if (decades <= 1 && a.hi - a.lo < 0.9) {  // under a decade: linear ticks in data space
    const double lo = std::pow(10.0, a.lo), hi = std::pow(10.0, a.hi);
    linear_ticks(a, lo, hi, std::min(target, 5.0));
    for (size_t i = a.ticks.size(); i-- > 0;)
      if (a.ticks[i] <= 0) {
        a.ticks.erase(a.ticks.begin() + static_cast<std::ptrdiff_t>(i));
        a.labels.erase(a.labels.begin() + static_cast<std::ptrdiff_t>(i));
      }
    return;
  }
  const int every = std::max(1, static_cast<int>(std::ceil(decades / std::max(1.0, target))));
  const bool minor = a.hi - a.lo <= 2.6;
  for (int d = d0; d <= d1; ++d) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1.0 && !minor) continue;
      if (m == 1.0 && (d - d0) % every != 0) continue;
      const double lv = d + std::log10(m);
      if (lv < a.lo - 1e-9 || lv > a.hi + 1e-9) continue;
      const double v = m * std::pow(10.0, d);
      a.ticks.push_back(v);
      a.labels.push_back(format_number(v));
    }
  }
}

// Auto range [lo, hi] from data extents, padded; handles empty and degenerate ranges.
void finish_range(double& lo, double& hi, bool has_lo, bool has_hi, double pad_frac, bool log) {
  if (!(lo <= hi)) lo = 0, hi = 1;  // no data (for log: exponents, i.e. 1 .. 10)
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(lo))) {
    const double d = log ? 0.5 : std::max(std::abs(lo) * 0.1, 0.5);
    if (!has_lo) lo -= d;
    if (!has_hi) hi += d;
    if (!(lo < hi)) (has_lo ? hi : lo) = has_lo ? lo + 2 * d : hi - 2 * d;
  }
  const double span = hi - lo;
  if (!has_lo) lo -= span * pad_frac;
  if (!has_hi) hi += span * pad_frac;
}

// Marks which coarse cells of the plot hold data, to pick the emptiest legend corner.
struct Occupancy {
  Rect area;
  double cell = 4;
  int nx, ny;
  std::vector<unsigned char> grid;
  explicit Occupancy(const Rect& r) : area(r) {
    nx = std::max(1, static_cast<int>(r.w() / cell) + 1);
    ny = std::max(1, static_cast<int>(r.h() / cell) + 1);
    grid.assign(static_cast<size_t>(nx) * ny, 0);
  }
  void mark(double x, double y) {
    const int i = static_cast<int>((x - area.x0) / cell),
              j = static_cast<int>((y - area.y0) / cell);
    if (i >= 0 && j >= 0 && i < nx && j < ny) grid[static_cast<size_t>(j) * nx + i] = 1;
  }
  void segment(Pt a, Pt b) {
    const double len = std::hypot(b.x - a.x, b.y - a.y);
    const int n = std::min(100000, static_cast<int>(len / 2) + 1);
    for (int k = 0; k <= n; ++k) mark(a.x + (b.x - a.x) * k / n, a.y + (b.y - a.y) * k / n);
  }
  void rect(const Rect& r) {
    for (double y = std::max(r.y0, area.y0); y <= std::min(r.y1, area.y1); y += cell / 2)
      for (double x = std::max(r.x0, area.x0); x <= std::min(r.x1, area.x1); x += cell / 2)
        mark(x, y);
  }
  int count(const Rect& r) const {
    int n = 0;
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const double x = area.x0 + (i + 0.5) * cell, y = area.y0 + (j + 0.5) * cell;
        if (grid[static_cast<size_t>(j) * nx + i] && x >= r.x0 && x <= r.x1 && y >= r.y0 &&
            y <= r.y1)
          ++n;
      }
    return n;
  }
};

}  // namespace

double Axis::map(double v) const {
  const double t = ((log ? std::log10(v) : v) - lo) / (hi - lo);
  return px0 + t * (px1 - px0);
}

uint32_t palette(size_t i) {
  static const uint32_t k[10] = {0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
                                 0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF};
  return k[i % 10];
}

std::string format_number(double v) {
  if (v == 0) return "0";
  char buf[32];
  const double a = std::abs(v);
  if (a >= 1e-3 && a < 1e5)
    std::snprintf(buf, sizeof buf, "%.4g", v);
  else {
    std::snprintf(buf, sizeof buf, "%.3g", v);  // e.g. 1e-05, 2.5e+06: trim exponent zeros
    std::string s = buf;
    const auto e = s.find('e');
    if (e != std::string::npos) {
      std::string mant = s.substr(0, e), ex = s.substr(e + 1);
      const bool neg = ex[0] == '-';
      ex = ex.substr(1);
      while (ex.size() > 1 && ex[0] == '0') ex.erase(0, 1);
      return mant + "e" + (neg ? "-" : "") + ex;
    }
    return s;
  }
  return buf;
}

std::string format_tick(double v, double step) {
  if (v == 0) return "0";
  if (std::max(std::abs(v), step) >= 1e5 || step < 1e-3) return format_number(v);
  const double e = std::floor(std::log10(step) + 1e-9);
  int decimals = std::max(0, static_cast<int>(-e));
  if (e <= 0 && std::abs(step / std::pow(10.0, e) - 2.5) < 1e-6) ++decimals;  // 0.25 needs 2
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void validate(const Chart& c, const std::string& where) {
  const std::string who = where.empty() ? chart_name(c) : where;
  if (c.width < 200 || c.height < 150 || c.width > 8000 || c.height > 8000)
    throw Error(who + ": chart size " + std::to_string(c.width) + "x" + std::to_string(c.height) +
                " out of range (200x150 .. 8000x8000)");
  for (const auto& s : c.series)
    if (s.x.size() != s.y.size())
      throw Error(who + ": series '" + s.label + "' has " + std::to_string(s.x.size()) +
                  " x values but " + std::to_string(s.y.size()) + " y values");
  auto bad = [](const std::optional<double>& v) { return v && !std::isfinite(*v); };
  if (bad(c.xmin) || bad(c.xmax) || bad(c.ymin) || bad(c.ymax))
    throw Error(who + ": non-finite axis bound");
  if (c.xmin && c.xmax && !(*c.xmin < *c.xmax)) throw Error(who + ": xmin must be < xmax");
  if (c.ymin && c.ymax && !(*c.ymin < *c.ymax)) throw Error(who + ": ymin must be < ymax");
  if (c.log_y && ((c.ymin && *c.ymin <= 0) || (c.ymax && *c.ymax <= 0)))
    throw Error(who + ": log_y needs positive ymin/ymax");
}

namespace {

// The data's extents (log10 of y for log_y; bars widened by half their spacing), before the
// chart's own bounds, and each series' bar width (0 for the other kinds).
struct Extents {
  double x0 = kInf, x1 = -kInf, y0 = kInf, y1 = -kInf;
  bool any_bars = false;
  std::vector<double> bar_w;
};

Extents data_extents(const Chart& c, bool log) {
  Extents e;
  double &x0 = e.x0, &x1 = e.x1, &y0 = e.y0, &y1 = e.y1;
  bool& any_bars = e.any_bars;
  std::vector<double>& bar_w = e.bar_w;
  bar_w.assign(c.series.size(), 0);
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    if (s.kind == Series::Kind::Bars) {
      bar_w[i] = min_spacing(s.x);
      if (bar_w[i] == 0) bar_w[i] = 1;
    }
    for (size_t k = 0; k < s.x.size(); ++k) {
      if (!std::isfinite(s.x[k]) || !usable_y(s.y[k], log)) continue;
      const double hw = bar_w[i] / 2;
      x0 = std::min(x0, s.x[k] - hw);
      x1 = std::max(x1, s.x[k] + hw);
      const double yv = log ? std::log10(s.y[k]) : s.y[k];
      y0 = std::min(y0, yv);
      y1 = std::max(y1, yv);
      if (s.kind == Series::Kind::Bars) any_bars = true;
    }
  }
  for (const auto& v : c.vlines)
    if (std::isfinite(v.x)) x0 = std::min(x0, v.x), x1 = std::max(x1, v.x);
  if (any_bars && !log) y0 = std::min(y0, 0.0), y1 = std::max(y1, 0.0);
  return e;
}

// The axis ranges: the chart's bounds where given, else the extents padded. `e` ends up holding
// the ranges.
void set_ranges(Layout& L, const Chart& c, Extents& e) {
  const bool log = c.log_y;
  double &x0 = e.x0, &x1 = e.x1, &y0 = e.y0, &y1 = e.y1;
  const bool any_bars = e.any_bars;
  if (c.xmin) x0 = *c.xmin;
  if (c.xmax) x1 = *c.xmax;
  if (c.ymin) y0 = log ? std::log10(*c.ymin) : *c.ymin;
  if (c.ymax) y1 = log ? std::log10(*c.ymax) : *c.ymax;
  if (x0 > x1 && c.xmin) x1 = x0 + 1;  // only one bound given and no data beyond it
  if (x0 > x1 && c.xmax) x0 = x1 - 1;
  if (y0 > y1 && c.ymin) y1 = y0 + 1;
  if (y0 > y1 && c.ymax) y0 = y1 - 1;
  const bool bars_from_zero = any_bars && !log && y0 == 0;
  finish_range(x0, x1, c.xmin.has_value(), c.xmax.has_value(), any_bars ? 0.01 : 0.04, false);
  finish_range(y0, y1, c.ymin.has_value() || bars_from_zero, c.ymax.has_value(), 0.05, log);
  L.x.lo = x0, L.x.hi = x1, L.y.lo = y0, L.y.hi = y1, L.y.log = log;
}

// The plot rectangle inside the margins (y ticks need the plot height first; iterate once).
// Returns the spacing unit of the text around it.
double place_plot(Layout& L, const Chart& c, const Extents& e, const TextMeasure& small,
                  const TextMeasure& big) {
  const bool log = c.log_y;
  const double gap = std::round(small.height * 0.6);
  const double top = c.title.empty() ? gap * 2 : big.height + 2.5 * gap;
  const double bottom =
      L.tick_len + gap + small.height + (c.xlabel.empty() ? gap : 2 * gap + small.height);
  const double right = std::max(20.0, small.width("0") * 2);
  const double plot_h = c.height - top - bottom;
  if (log)
    log_ticks(L.y, std::max(2.0, plot_h / (small.height * 3)));
  else
    linear_ticks(L.y, e.y0, e.y1, std::max(2.0, plot_h / (small.height * 3.5)));
  double ytw = 0;
  for (const auto& s : L.y.labels) ytw = std::max(ytw, small.width(s));
  const double left = L.tick_len + gap + ytw + (c.ylabel.empty() ? gap : 2 * gap + small.height);
  L.plot = {std::round(left), std::round(top), std::round(c.width - right),
            std::round(c.height - bottom)};
  L.x.px0 = L.plot.x0, L.x.px1 = L.plot.x1;
  L.y.px0 = L.plot.y1, L.y.px1 = L.plot.y0;
  return gap;
}

// x ticks: the fixed ones, or as many as fit with at least 3 gaps of space between labels
void set_x_ticks(Layout& L, const Chart& c, const Extents& e, const TextMeasure& small,
                 double gap) {
  const double x0 = e.x0, x1 = e.x1;
  if (!c.xticks.empty()) {
    for (const auto& [x, label] : c.xticks)
      if (std::isfinite(x) && x >= std::min(x0, x1) && x <= std::max(x0, x1))
        L.x.ticks.push_back(x), L.x.labels.push_back(label);
  } else {
    double target = std::max(2.0, L.plot.w() / 50);
    for (int tries = 0; tries < 12; ++tries) {
      L.x.ticks.clear();
      L.x.labels.clear();
      linear_ticks(L.x, x0, x1, target);
      double widest = 0;
      for (const auto& s : L.x.labels) widest = std::max(widest, small.width(s));
      if (target <= 2 || (widest + 3 * gap) * static_cast<double>(L.x.ticks.size()) <= L.plot.w())
        break;
      target = std::max(2.0, target * 0.8);
    }
  }
}

// Series i in pixels: its colour, its runs clipped to the plot (+8 px) and its bars clamped to
// it; what it covers is marked in `occ`.
void add_series_geometry(Layout& L, const Series& s, size_t i, double bar_w, bool log,
                         Occupancy& occ) {
  L.colors.push_back(s.rgb ? s.rgb : palette(i));
  std::vector<std::vector<Pt>> runs(1);
  std::vector<Rect> bars;
  for (size_t k = 0; k < s.x.size(); ++k) {
    if (!std::isfinite(s.x[k]) || !usable_y(s.y[k], log)) {
      if (!runs.back().empty()) runs.emplace_back();
      continue;
    }
    const Pt p{L.x.map(s.x[k]), L.y.map(s.y[k])};
    if (s.kind == Series::Kind::Bars) {
      const double base = log ? L.plot.y1 : L.y.map(0.0);
      Rect r{L.x.map(s.x[k] - bar_w / 2), std::min(p.y, base), L.x.map(s.x[k] + bar_w / 2),
             std::max(p.y, base)};
      bars.push_back(r);
      occ.rect(r);
    } else {
      if (s.kind == Series::Kind::Line && !runs.back().empty()) occ.segment(runs.back().back(), p);
      occ.mark(p.x, p.y);
      runs.back().push_back(p);
    }
  }
  if (runs.back().empty()) runs.pop_back();
  const Rect vis{L.plot.x0 - 8, L.plot.y0 - 8, L.plot.x1 + 8, L.plot.y1 + 8};
  std::vector<std::vector<Pt>> clipped;
  for (const auto& run : runs)
    for (auto& piece : clip_run(run, vis, s.kind == Series::Kind::Line))
      clipped.push_back(std::move(piece));
  for (Rect& r : bars) {
    r = {std::clamp(r.x0, vis.x0, vis.x1), std::clamp(r.y0, vis.y0, vis.y1),
         std::clamp(r.x1, vis.x0, vis.x1), std::clamp(r.y1, vis.y0, vis.y1)};
  }
  L.runs.push_back(std::move(clipped));
  L.bars.push_back(std::move(bars));
}

// Vertical lines and their labels keep the legend off them too.
void mark_vlines(const Layout& L, const Chart& c, const TextMeasure& small, Occupancy& occ) {
  for (const auto& v : c.vlines) {  // the line and its label (drawn at the top, right of the line)
    if (!std::isfinite(v.x)) continue;
    const double px = L.x.map(v.x);
    occ.segment({px, L.plot.y0}, {px, L.plot.y1});
    if (!v.label.empty()) {
      const double tw = small.width(v.label);
      const double tx = px + 6 + tw <= L.plot.x1 - 4 ? px + 6 : px - 6 - tw;
      occ.rect({tx - 3, L.plot.y0 + 5, tx + tw + 3, L.plot.y0 + 8 + small.height + 1});
    }
  }
}

// The legend of the labelled series, in whichever candidate box covers the fewest marked cells.
void place_legend(Layout& L, const Chart& c, const TextMeasure& small, const Occupancy& occ) {
  double lw = 0;
  for (size_t i = 0; i < c.series.size(); ++i)
    if (!c.series[i].label.empty()) {
      L.legend.push_back({c.series[i].label, L.colors[i], c.series[i].kind});
      lw = std::max(lw, small.width(c.series[i].label));
    }
  if (L.legend.empty()) return;
  L.legend_row = small.height + 6;
  const double bw = L.legend_pad * 3 + L.legend_swatch + lw;
  const double bh = L.legend_pad * 2 + L.legend_row * static_cast<double>(L.legend.size()) - 6;
  const double m = 8, lr = small.height + 8;
  const Rect plot = L.plot;
  const Rect cands[] = {
      {plot.x1 - m - bw, plot.y0 + m, plot.x1 - m, plot.y0 + m + bh},
      {plot.x0 + m, plot.y0 + m, plot.x0 + m + bw, plot.y0 + m + bh},
      {plot.x1 - m - bw, plot.y1 - m - bh, plot.x1 - m, plot.y1 - m},
      {plot.x0 + m, plot.y1 - m - bh, plot.x0 + m + bw, plot.y1 - m},
      {(plot.x0 + plot.x1 - bw) / 2, plot.y0 + m, (plot.x0 + plot.x1 + bw) / 2, plot.y0 + m + bh},
      // Just below the row where vertical lines put their labels.
      {plot.x1 - m - bw, plot.y0 + m + lr, plot.x1 - m, plot.y0 + m + lr + bh},
      {plot.x0 + m, plot.y0 + m + lr, plot.x0 + m + bw, plot.y0 + m + lr + bh}};
  int best = -1;
  for (const Rect& r : cands) {
    const int n = occ.count(r);
    if (best < 0 || n < best) best = n, L.legend_box = r;
  }
}

}  // namespace

Layout layout_chart(const Chart& c, const TextMeasure& small, const TextMeasure& big) {
  Layout L;
  L.width = c.width;
  L.height = c.height;
  const bool log = c.log_y;

  Extents e = data_extents(c, log);
  set_ranges(L, c, e);
  const double gap = place_plot(L, c, e, small, big);
  set_x_ticks(L, c, e, small, gap);
  L.title_pos = {c.width / 2.0, std::round(gap * 1.2)};
  L.xlabel_pos = {(L.plot.x0 + L.plot.x1) / 2, L.plot.y1 + L.tick_len + 2 * gap + small.height};
  L.ylabel_pos = {std::round(gap + small.height / 2), (L.plot.y0 + L.plot.y1) / 2};

  Occupancy occ(L.plot);
  for (size_t i = 0; i < c.series.size(); ++i)
    add_series_geometry(L, c.series[i], i, e.bar_w[i], log, occ);
  mark_vlines(L, c, small, occ);
  place_legend(L, c, small, occ);
  return L;
}

}  // namespace hg::report::detail
