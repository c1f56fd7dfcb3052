// Chart -> PNG: rasterises the shared Layout onto a Canvas.
#include <cmath>

#include "apps/report/chart.h"
#include "apps/report/layout.h"
#include "apps/report/png_canvas.h"
#include "apps/report/png_chart.h"
#include "engine/io/atomic_file.h"

namespace hg::report {
namespace {

using detail::Canvas;

constexpr double kText = 2;  // easy_font scale for ticks, labels, legend
constexpr uint32_t kInk = 0x222222, kAxis = 0x444444, kGrid = 0xE8E8E8;

double crisp(double v) { return std::floor(v) + 0.5; }  // centre of a pixel, for 1 px lines

void draw_series(Canvas& cv, const Chart& c, const detail::Layout& L) {
  cv.set_clip(L.plot.x0, L.plot.y0, L.plot.x1, L.plot.y1);
  // bars first (translucent), then lines and markers on top
  for (size_t i = 0; i < c.series.size(); ++i) {
    const uint32_t col = L.colors[i];
    for (const auto& r : L.bars[i]) {
      cv.fill_rect(r.x0, r.y0, r.x1, r.y1, col, 0.45);
      cv.polyline({{r.x0, r.y1}, {r.x0, r.y0}, {r.x1, r.y0}, {r.x1, r.y1}}, 1.0, col, 0.9);
    }
  }
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    const uint32_t col = L.colors[i];
    for (const auto& run : L.runs[i]) {
      if (s.kind == Series::Kind::Scatter || run.size() == 1) {
        for (const auto& p : run) cv.fill_circle(p.x, p.y, 1.0 + s.width, col);
        continue;
      }
      std::vector<std::pair<double, double>> pts;
      pts.reserve(run.size());
      for (const auto& p : run) pts.emplace_back(p.x, p.y);
      cv.polyline(pts, s.width, col);
    }
  }
  cv.reset_clip();
}

void draw_vlines(Canvas& cv, const Chart& c, const detail::Layout& L) {
  for (const auto& v : c.vlines) {
    if (!std::isfinite(v.x)) continue;
    const double x = L.x.map(v.x);
    if (x < L.plot.x0 - 0.5 || x > L.plot.x1 + 0.5) continue;
    cv.dashed_line(x, L.plot.y0, x, L.plot.y1, 2.0, v.rgb, 8, 5);
    if (v.label.empty()) continue;
    const double tw = Canvas::text_width(v.label, kText);
    const double tx = x + 6 + tw <= L.plot.x1 - 4 ? x + 6 : x - 6 - tw;
    const double ty = L.plot.y0 + 8;
    cv.fill_rect(tx - 3, ty - 3, tx + tw + 3, ty + Canvas::text_height(kText) + 1, 0xFFFFFF, 0.8);
    cv.text(tx, ty, v.label, kText, v.rgb);
  }
}

void draw_axes(Canvas& cv, const Chart& c, const detail::Layout& L, double title_scale) {
  const auto& P = L.plot;
  const double cap = 7 * kText, gap = std::round(Canvas::text_height(kText) * 0.6);
  for (size_t k = 0; k < L.x.ticks.size(); ++k) {
    const double x = crisp(L.x.map(L.x.ticks[k]));
    if (x < P.x0 - 1 || x > P.x1 + 1) continue;
    cv.line(x, P.y0, x, P.y1, 1, kGrid);
    cv.line(x, P.y1, x, P.y1 + L.tick_len, 1, kAxis);
    const double tw = Canvas::text_width(L.x.labels[k], kText);
    cv.text(x - tw / 2, P.y1 + L.tick_len + gap / 2, L.x.labels[k], kText, kInk);
  }
  for (size_t k = 0; k < L.y.ticks.size(); ++k) {
    const double y = crisp(L.y.map(L.y.ticks[k]));
    if (y < P.y0 - 1 || y > P.y1 + 1) continue;
    cv.line(P.x0, y, P.x1, y, 1, kGrid);
    cv.line(P.x0 - L.tick_len, y, P.x0, y, 1, kAxis);
    const double tw = Canvas::text_width(L.y.labels[k], kText);
    cv.text(P.x0 - L.tick_len - gap / 2 - tw, y - cap / 2, L.y.labels[k], kText, kInk);
  }
  // frame
  const double x0 = crisp(P.x0) - 1, x1 = crisp(P.x1), y0 = crisp(P.y0) - 1, y1 = crisp(P.y1);
  cv.polyline({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}, 1, kAxis);

  if (!c.xlabel.empty())
    cv.text(L.xlabel_pos.x - Canvas::text_width(c.xlabel, kText) / 2, L.xlabel_pos.y, c.xlabel,
            kText, kInk);
  if (!c.ylabel.empty())  // rotated: (x, y) is the bottom-left of the rotated box
    cv.text(L.ylabel_pos.x - cap / 2, L.ylabel_pos.y + Canvas::text_width(c.ylabel, kText) / 2,
            c.ylabel, kText, kInk, true);
  if (!c.title.empty()) {
    const double tw = Canvas::text_width(c.title, title_scale);
    cv.text(L.title_pos.x - tw / 2, L.title_pos.y, c.title, title_scale, 0x111111);
    cv.text(L.title_pos.x - tw / 2 + 1, L.title_pos.y, c.title, title_scale,
            0x111111);  // faux bold
  }
}

void draw_legend(Canvas& cv, const detail::Layout& L) {
  if (L.legend.empty()) return;
  const auto& B = L.legend_box;
  cv.fill_rect(B.x0, B.y0, B.x1, B.y1, 0xFFFFFF, 0.88);
  cv.polyline({{crisp(B.x0), crisp(B.y0)},
               {crisp(B.x1), crisp(B.y0)},
               {crisp(B.x1), crisp(B.y1)},
               {crisp(B.x0), crisp(B.y1)},
               {crisp(B.x0), crisp(B.y0)}},
              1, 0xBBBBBB);
  const double cap = 7 * kText;
  for (size_t k = 0; k < L.legend.size(); ++k) {
    const auto& it = L.legend[k];
    const double top = B.y0 + L.legend_pad + L.legend_row * static_cast<double>(k);
    const double mid = top + cap / 2, sx0 = B.x0 + L.legend_pad, sx1 = sx0 + L.legend_swatch;
    switch (it.kind) {
      case Series::Kind::Line: cv.line(sx0, mid, sx1, mid, 3, it.rgb); break;
      case Series::Kind::Scatter: cv.fill_circle((sx0 + sx1) / 2, mid, 4, it.rgb); break;
      case Series::Kind::Bars:
        cv.fill_rect(sx0, top, sx1, top + cap, it.rgb, 0.45);
        cv.polyline({{sx0, top}, {sx1, top}, {sx1, top + cap}, {sx0, top + cap}, {sx0, top}}, 1,
                    it.rgb);
        break;
    }
    cv.text(sx1 + L.legend_pad, top, it.label, kText, kInk);
  }
}

}  // namespace

namespace {
double title_scale(const Chart& c) { return Canvas::text_width(c.title, 3) > c.width - 40 ? 2 : 3; }
}  // namespace

detail::Layout detail::png_layout(const Chart& c) {
  const double ts = title_scale(c);
  const TextMeasure small{[](const std::string& s) { return Canvas::text_width(s, kText); },
                          Canvas::text_height(kText)};
  const TextMeasure big{[=](const std::string& s) { return Canvas::text_width(s, ts); },
                        Canvas::text_height(ts)};
  return layout_chart(c, small, big);
}

std::string render_png(const Chart& c) {
  detail::validate(c, "");
  const detail::Layout L = detail::png_layout(c);
  Canvas cv(c.width, c.height);
  draw_axes(cv, c, L, title_scale(c));  // grid under the data
  draw_series(cv, c, L);
  draw_vlines(cv, c, L);
  draw_legend(cv, L);
  return cv.encode_png();
}

void write_png(const Chart& c, const std::string& path) {
  detail::validate(c, path);
  io::write_file_atomic(path, render_png(c));
}

}  // namespace hg::report
