// Geometry shared by the SVG and PNG renderers: validation, axis ranges and ticks, the plot
// rectangle, data -> pixel mapping, per-series colours and pixel geometry, legend placement.
// Pixel y grows downwards. Text is measured by the caller's font (TextMeasure).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "apps/report/chart.h"

namespace hg::report::detail {

struct Rect {
  double x0, y0, x1, y1;
  double w() const { return x1 - x0; }
  double h() const { return y1 - y0; }
};

struct Pt {
  double x, y;
};

struct TextMeasure {
  std::function<double(const std::string&)> width;  // pixels for one line of text
  double height;                                    // pixels for one line (cap height + descent)
};

struct Axis {
  double lo = 0, hi = 1;  // data range; when log, lo/hi are log10 of the data bounds
  bool log = false;
  double px0 = 0, px1 = 1;    // pixel positions of lo and hi
  std::vector<double> ticks;  // in data units (not log10)
  std::vector<std::string> labels;
  double map(double v) const;  // data -> pixel (v must be > 0 when log)
};

struct LegendItem {
  std::string label;
  uint32_t rgb;
  Series::Kind kind;
};

struct Layout {
  int width, height;
  Rect plot;
  Axis x, y;
  Pt title_pos;   // centre of the title's text line (top of its box at y)
  Pt xlabel_pos;  // centre-top
  Pt ylabel_pos;  // centre of the rotated label
  double tick_len = 5;
  std::vector<uint32_t> colors;  // per series
  // Line series: continuous runs in pixels, clipped to the plot (+8 px); a 1-point run is a lone
  // point. Scatter series: one run holding the visible points. Bars: pixel rectangles, clamped.
  std::vector<std::vector<std::vector<Pt>>> runs;
  std::vector<std::vector<Rect>> bars;
  std::vector<LegendItem> legend;
  Rect legend_box{0, 0, 0, 0};
  double legend_pad = 6, legend_swatch = 22, legend_row = 0;
};

// Throws hg::Error (prefixed by `where`, e.g. a path) on invalid charts.
void validate(const Chart& c, const std::string& where);

// `small` measures tick/axis/legend text, `big` the title.
Layout layout_chart(const Chart& c, const TextMeasure& small, const TextMeasure& big);

// Tick label text for v given the tick step (shared so SVG and PNG agree).
std::string format_tick(double v, double step);
// Compact number for labels ("0.0123", "1.5e+06").
std::string format_number(double v);

// The 10-colour palette (matplotlib "tab10").
uint32_t palette(size_t i);

}  // namespace hg::report::detail
