// Chart -> SVG: the shared Layout written as SVG elements (text stays text).
#include <cmath>
#include <cstdio>

#include "apps/report/chart.h"
#include "apps/report/layout.h"
#include "engine/io/atomic_file.h"

namespace hg::report {
namespace {

constexpr double kFont = 13, kTitleFont = 18;
constexpr double kCharW = 0.58, kCap = 0.72;  // sans-serif average advance and cap height, in em

std::string esc(const std::string& s) {
  std::string o;
  for (unsigned char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        if (ch >= 32 || ch == '\t')
          o.push_back(static_cast<char>(ch));  // drop control chars (invalid XML)
    }
  }
  return o;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  std::string s = b;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string hex(uint32_t rgb) {
  char b[8];
  std::snprintf(b, sizeof b, "#%06X", rgb & 0xFFFFFF);
  return b;
}

// <text> with the given anchor; y is the baseline.
std::string text(double x, double y, const std::string& s, const char* anchor, double size,
                 const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor +
         "\" font-size=\"" + num(size) + "\"" + extra + ">" + esc(s) + "</text>\n";
}

// Grid, ticks, tick labels and the axis labels.
void write_axes(std::string& o, const Chart& c, const detail::Layout& L, double gap) {
  const auto& P = L.plot;
  o += "<g stroke=\"#E8E8E8\" stroke-width=\"1\">\n";
  for (double t : L.x.ticks)
    o += "<line x1=\"" + num(L.x.map(t)) + "\" y1=\"" + num(P.y0) + "\" x2=\"" + num(L.x.map(t)) +
         "\" y2=\"" + num(P.y1) + "\"/>\n";
  for (double t : L.y.ticks)
    o += "<line x1=\"" + num(P.x0) + "\" y1=\"" + num(L.y.map(t)) + "\" x2=\"" + num(P.x1) +
         "\" y2=\"" + num(L.y.map(t)) + "\"/>\n";
  o += "</g>\n<g stroke=\"#444444\" stroke-width=\"1\">\n";
  for (double t : L.x.ticks)
    o += "<line x1=\"" + num(L.x.map(t)) + "\" y1=\"" + num(P.y1) + "\" x2=\"" + num(L.x.map(t)) +
         "\" y2=\"" + num(P.y1 + L.tick_len) + "\"/>\n";
  for (double t : L.y.ticks)
    o += "<line x1=\"" + num(P.x0 - L.tick_len) + "\" y1=\"" + num(L.y.map(t)) + "\" x2=\"" +
         num(P.x0) + "\" y2=\"" + num(L.y.map(t)) + "\"/>\n";
  o += "</g>\n<g>\n";
  for (size_t k = 0; k < L.x.ticks.size(); ++k)
    o += text(L.x.map(L.x.ticks[k]), P.y1 + L.tick_len + gap / 2 + kFont * kCap, L.x.labels[k],
              "middle", kFont);
  for (size_t k = 0; k < L.y.ticks.size(); ++k)
    o += text(P.x0 - L.tick_len - gap / 2, L.y.map(L.y.ticks[k]) + kFont * kCap / 2, L.y.labels[k],
              "end", kFont);
  o += "</g>\n";
  if (!c.xlabel.empty())
    o += text(L.xlabel_pos.x, L.xlabel_pos.y + kFont * kCap, c.xlabel, "middle", kFont);
  if (!c.ylabel.empty()) {
    const double x = L.ylabel_pos.x + kFont * kCap / 2, y = L.ylabel_pos.y;
    o += text(x, y, c.ylabel, "middle", kFont,
              " transform=\"rotate(-90 " + num(x) + " " + num(y) + ")\"");
  }
}

// Bars first, then lines and points over them, clipped to the plot.
void write_series(std::string& o, const Chart& c, const detail::Layout& L) {
  o += "<g clip-path=\"url(#plot)\">\n";
  for (size_t i = 0; i < c.series.size(); ++i) {
    const std::string col = hex(L.colors[i]);
    for (const auto& r : L.bars[i])
      o += "<rect x=\"" + num(r.x0) + "\" y=\"" + num(r.y0) + "\" width=\"" + num(r.w()) +
           "\" height=\"" + num(r.h()) + "\" fill=\"" + col + "\" fill-opacity=\"0.45\" stroke=\"" +
           col + "\" stroke-width=\"1\"/>\n";
  }
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    const std::string col = hex(L.colors[i]);
    if (s.kind == Series::Kind::Line) {
      std::string d;
      for (const auto& run : L.runs[i])
        for (size_t k = 0; k < run.size(); ++k)
          d += (k ? "L" : "M") + num(run[k].x) + " " + num(run[k].y) + " ";
      if (!d.empty()) d.pop_back();
      o += "<path class=\"series\" d=\"" + d + "\" fill=\"none\" stroke=\"" + col +
           "\" stroke-width=\"" + num(s.width) +
           "\" stroke-linejoin=\"round\" stroke-linecap=\"round\"><title>" + esc(s.label) +
           "</title></path>\n";
    }
    if (s.kind == Series::Kind::Scatter || s.kind == Series::Kind::Line) {
      std::string g;
      for (const auto& run : L.runs[i])
        if (s.kind == Series::Kind::Scatter || run.size() == 1)
          for (const auto& p : run)
            g += "<circle cx=\"" + num(p.x) + "\" cy=\"" + num(p.y) + "\" r=\"" +
                 num(1.0 + s.width) + "\"/>\n";
      if (!g.empty()) o += "<g fill=\"" + col + "\">\n" + g + "</g>\n";
    }
  }
  o += "</g>\n";
}

// Vertical marker lines, labelled at the top (right of the line when the label fits).
void write_vlines(std::string& o, const Chart& c, const detail::Layout& L,
                  const detail::TextMeasure& small) {
  const auto& P = L.plot;
  for (const auto& v : c.vlines) {
    if (!std::isfinite(v.x)) continue;
    const double x = L.x.map(v.x);
    if (x < P.x0 - 0.5 || x > P.x1 + 0.5) continue;
    o += "<line x1=\"" + num(x) + "\" y1=\"" + num(P.y0) + "\" x2=\"" + num(x) + "\" y2=\"" +
         num(P.y1) + "\" stroke=\"" + hex(v.rgb) +
         "\" stroke-width=\"2\" stroke-dasharray=\"8 5\"/>\n";
    if (!v.label.empty()) {
      const bool right = x + 6 + small.width(v.label) <= P.x1 - 4;
      o += text(right ? x + 6 : x - 6, P.y0 + 8 + kFont * kCap, v.label, right ? "start" : "end",
                kFont, " fill=\"" + hex(v.rgb) + "\"");
    }
  }
}

void write_legend(std::string& o, const detail::Layout& L) {
  const auto& B = L.legend_box;
  o += "<g class=\"legend\">\n<rect x=\"" + num(B.x0) + "\" y=\"" + num(B.y0) + "\" width=\"" +
       num(B.w()) + "\" height=\"" + num(B.h()) +
       "\" fill=\"#FFFFFF\" fill-opacity=\"0.88\" stroke=\"#BBBBBB\"/>\n";
  for (size_t k = 0; k < L.legend.size(); ++k) {
    const auto& it = L.legend[k];
    const double top = B.y0 + L.legend_pad + L.legend_row * static_cast<double>(k);
    const double mid = top + kFont * kCap / 2, sx0 = B.x0 + L.legend_pad,
                 sx1 = sx0 + L.legend_swatch;
    const std::string col = hex(it.rgb);
    if (it.kind == Series::Kind::Line)
      o += "<line x1=\"" + num(sx0) + "\" y1=\"" + num(mid) + "\" x2=\"" + num(sx1) + "\" y2=\"" +
           num(mid) + "\" stroke=\"" + col + "\" stroke-width=\"3\"/>\n";
    else if (it.kind == Series::Kind::Scatter)
      o += "<circle cx=\"" + num((sx0 + sx1) / 2) + "\" cy=\"" + num(mid) + "\" r=\"4\" fill=\"" +
           col + "\"/>\n";
    else
      o += "<rect x=\"" + num(sx0) + "\" y=\"" + num(top) + "\" width=\"" + num(sx1 - sx0) +
           "\" height=\"" + num(kFont * kCap) + "\" fill=\"" + col +
           "\" fill-opacity=\"0.45\" stroke=\"" + col + "\"/>\n";
    o += text(sx1 + L.legend_pad, top + kFont * kCap, it.label, "start", kFont);
  }
  o += "</g>\n";
}

}  // namespace

std::string render_svg(const Chart& c) {
  detail::validate(c, "");
  const detail::TextMeasure small{[](const std::string& s) { return s.size() * kFont * kCharW; },
                                  kFont * 1.15};
  const detail::TextMeasure big{[](const std::string& s) { return s.size() * kTitleFont * 0.62; },
                                kTitleFont * 1.15};
  const detail::Layout L = detail::layout_chart(c, small, big);
  const auto& P = L.plot;
  const double gap = std::round(small.height * 0.6);
  std::string o;
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(c.width) +
       "\" height=\"" + std::to_string(c.height) + "\" viewBox=\"0 0 " + std::to_string(c.width) +
       " " + std::to_string(c.height) +
       "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" fill=\"#222222\">\n";
  o += "<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n";
  o += "<defs><clipPath id=\"plot\"><rect x=\"" + num(P.x0) + "\" y=\"" + num(P.y0) +
       "\" width=\"" + num(P.w()) + "\" height=\"" + num(P.h()) + "\"/></clipPath></defs>\n";
  if (!c.title.empty())
    o += text(L.title_pos.x, L.title_pos.y + kTitleFont * kCap, c.title, "middle", kTitleFont,
              " font-weight=\"bold\"");

  write_axes(o, c, L, gap);
  write_series(o, c, L);
  write_vlines(o, c, L, small);
  o += "<rect x=\"" + num(P.x0) + "\" y=\"" + num(P.y0) + "\" width=\"" + num(P.w()) +
       "\" height=\"" + num(P.h()) + "\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>\n";

  if (!L.legend.empty()) write_legend(o, L);
  o += "</svg>\n";
  return o;
}

void write_svg(const Chart& c, const std::string& path) {
  detail::validate(c, path);
  io::write_file_atomic(path, render_svg(c));
}

}  // namespace hg::report
