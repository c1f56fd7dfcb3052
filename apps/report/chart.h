// Charts people look at: line/scatter/bar series on linear or log axes, rendered to SVG or PNG.
//
// Contract:
//  - Non-finite points (NaN/Inf) are skipped; with log_y, points with y <= 0 are skipped too.
//    A skipped point breaks a line series into separate runs.
//  - Axis ranges default to the data (padded a little; bar charts start at y = 0) with "nice"
//    ticks; set xmin/xmax/ymin/ymax to fix them. Data outside the range is clipped.
//  - Series colours come from a 10-colour palette (by series index) unless rgb != 0 (0xRRGGBB).
//  - Bars are centred on x with width = the smallest spacing between the series' x values;
//    several Bars series on the same x (histogram groups) overlap translucently.
//  - Series with a non-empty label get a legend entry; the legend goes in the plot corner that
//    hides the least data. VLines are dashed, labelled at the top of the plot.
//  - xticks, when given, replace the automatic numeric x ticks by labelled ones (categories).
//  - Bad input (x/y length mismatch, size out of [200, 8000], an inverted fixed range, log_y with
//    a non-positive fixed y bound) throws hg::Error; the write_* functions name the path.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hg::report {

struct Series {
  std::string label;
  std::vector<double> x, y;
  enum class Kind { Line, Scatter, Bars } kind = Kind::Line;
  uint32_t rgb = 0;    // 0xRRGGBB; 0 = palette
  float width = 1.5f;  // line width / marker size, in pixels
};

struct VLine {
  double x;
  std::string label;
  uint32_t rgb = 0xD62728;
};

struct Chart {
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
  std::vector<VLine> vlines;
  bool log_y = false;
  int width = 800, height = 500;
  std::optional<double> xmin, xmax, ymin, ymax;  // auto range when unset
  // Fixed x ticks with their own labels (categories, e.g. bar groups), replacing the automatic
  // numeric ones; ticks outside the x range are dropped.
  std::vector<std::pair<double, std::string>> xticks;
};

// A standalone SVG document (text as <text>, one <path> per line series).
std::string render_svg(const Chart& c);
// The PNG file bytes (anti-aliased lines, text in stb_easy_font at 2x).
std::string render_png(const Chart& c);

// Atomic writes (temp file + rename).
void write_svg(const Chart& c, const std::string& path);
void write_png(const Chart& c, const std::string& path);
// By extension: ".png" or ".svg" (case-insensitive); anything else throws hg::Error.
void write_chart(const Chart& c, const std::string& path);

// Counts of `values` in `bins` equal-width bins over [lo, hi]; the last bin includes hi.
// Values outside [lo, hi] and non-finite values are not counted. bins >= 1 and lo < hi.
std::vector<double> histogram_counts(const std::vector<double>& values, int bins, double lo,
                                     double hi);

// Several groups (label, values) histogrammed on shared bins spanning all finite values (and the
// threshold); one Bars series per group labelled "<label> (n=<count>)", y = count per bin.
// With a threshold, a VLine "threshold = <value>" is added.
Chart histogram_chart(const std::vector<std::pair<std::string, std::vector<double>>>& groups,
                      int bins, std::optional<double> threshold, std::string title,
                      std::string xlabel);

// Per-epoch losses: x = 1, 2, ...; legend "train" / "validation" (val may be empty); log_y when
// the positive finite values span more than 20x.
Chart loss_curve_chart(const std::vector<double>& train, const std::vector<double>& val,
                       std::string title);

}  // namespace hg::report
