#include "apps/report/png_canvas.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>

#include "engine/util/error.h"

namespace hg::report::detail {
namespace {

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) out.push_back(ch >= 32 && ch < 127 ? static_cast<char>(ch) : '?');
  return out;
}

// Coverage of [a, b] over the pixel span [i, i+1].
double overlap(double a, double b, int i) {
  return std::max(0.0, std::min(b, i + 1.0) - std::max(a, double(i)));
}

}  // namespace

Canvas::Canvas(int w, int h, uint32_t bg) : w_(w), h_(h), px_(static_cast<size_t>(w) * h * 3) {
  HG_CHECK(w > 0 && h > 0, "canvas size must be positive");
  for (size_t k = 0; k < px_.size(); k += 3) {
    px_[k] = (bg >> 16) & 0xFF;
    px_[k + 1] = (bg >> 8) & 0xFF;
    px_[k + 2] = bg & 0xFF;
  }
  reset_clip();
}

void Canvas::set_clip(double x0, double y0, double x1, double y1) {
  cx0_ = std::max(0.0, x0), cy0_ = std::max(0.0, y0);
  cx1_ = std::min(double(w_), x1), cy1_ = std::min(double(h_), y1);
}
void Canvas::reset_clip() { cx0_ = 0, cy0_ = 0, cx1_ = w_, cy1_ = h_; }

void Canvas::blend(int i, int j, uint32_t rgb, double a) {
  if (i < 0 || j < 0 || i >= w_ || j >= h_ || a <= 0) return;
  // partial coverage at the clip edges
  const double cov = overlap(cx0_, cx1_, i) * overlap(cy0_, cy1_, j);
  a = std::min(1.0, a) * cov;
  if (a <= 0) return;
  uint8_t* p = &px_[(static_cast<size_t>(j) * w_ + i) * 3];
  const int c[3] = {int((rgb >> 16) & 0xFF), int((rgb >> 8) & 0xFF), int(rgb & 0xFF)};
  for (int k = 0; k < 3; ++k) p[k] = static_cast<uint8_t>(std::lround(p[k] + (c[k] - p[k]) * a));
}

void Canvas::fill_rect(double x0, double y0, double x1, double y1, uint32_t rgb, double alpha) {
  if (x0 > x1) std::swap(x0, x1);
  if (y0 > y1) std::swap(y0, y1);
  const int i0 = std::max(0, int(std::floor(x0))), i1 = std::min(w_ - 1, int(std::ceil(x1)) - 1);
  const int j0 = std::max(0, int(std::floor(y0))), j1 = std::min(h_ - 1, int(std::ceil(y1)) - 1);
  for (int j = j0; j <= j1; ++j) {
    const double cy = overlap(y0, y1, j);
    for (int i = i0; i <= i1; ++i) blend(i, j, rgb, alpha * cy * overlap(x0, x1, i));
  }
}

void Canvas::line(double x0, double y0, double x1, double y1, double width, uint32_t rgb,
                  double alpha) {
  polyline({{x0, y0}, {x1, y1}}, width, rgb, alpha);
}

void Canvas::polyline(const std::vector<std::pair<double, double>>& pts, double width, uint32_t rgb,
                      double alpha) {
  if (pts.empty()) return;
  for (const auto& [x, y] : pts)
    if (!std::isfinite(x) || !std::isfinite(y) || std::abs(x) > 1e7 || std::abs(y) > 1e7)
      return;  // callers clip
  const double r = std::max(0.5, width / 2.0);
  const double fade = width < 1 ? width : 1;  // thin lines fade instead of shrinking below a pixel
  double bx0 = pts[0].first, bx1 = bx0, by0 = pts[0].second, by1 = by0;
  for (const auto& [x, y] : pts)
    bx0 = std::min(bx0, x), bx1 = std::max(bx1, x), by0 = std::min(by0, y), by1 = std::max(by1, y);
  const int i0 = std::max({0, int(std::floor(bx0 - r - 1)), int(cx0_) - 1});
  const int i1 = std::min({w_ - 1, int(std::ceil(bx1 + r + 1)), int(cx1_) + 1});
  const int j0 = std::max({0, int(std::floor(by0 - r - 1)), int(cy0_) - 1});
  const int j1 = std::min({h_ - 1, int(std::ceil(by1 + r + 1)), int(cy1_) + 1});
  if (i0 > i1 || j0 > j1) return;
  const int mw = i1 - i0 + 1;
  std::vector<float> mask(static_cast<size_t>(mw) * (j1 - j0 + 1), 0.f);
  const size_t nseg = pts.size() == 1 ? 1 : pts.size() - 1;
  for (size_t k = 0; k < nseg; ++k) {
    const auto [x0, y0] = pts[k];
    const auto [x1, y1] = pts[std::min(k + 1, pts.size() - 1)];
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    const int si0 = std::max(i0, int(std::min(x0, x1) - r - 1)),
              si1 = std::min(i1, int(std::max(x0, x1) + r + 1));
    const int sj0 = std::max(j0, int(std::min(y0, y1) - r - 1)),
              sj1 = std::min(j1, int(std::max(y0, y1) + r + 1));
    for (int j = sj0; j <= sj1; ++j)
      for (int i = si0; i <= si1; ++i) {
        const double px = i + 0.5, py = j + 0.5;
        const double t =
            len2 > 0 ? std::clamp(((px - x0) * dx + (py - y0) * dy) / len2, 0.0, 1.0) : 0.0;
        const double d = std::hypot(px - (x0 + t * dx), py - (y0 + t * dy));
        float& m = mask[static_cast<size_t>(j - j0) * mw + (i - i0)];
        m = std::max(m, static_cast<float>(std::clamp(r + 0.5 - d, 0.0, 1.0)));
      }
  }
  for (int j = j0; j <= j1; ++j)
    for (int i = i0; i <= i1; ++i) {
      const float m = mask[static_cast<size_t>(j - j0) * mw + (i - i0)];
      if (m > 0) blend(i, j, rgb, m * alpha * fade);
    }
}

void Canvas::dashed_line(double x0, double y0, double x1, double y1, double width, uint32_t rgb,
                         double dash, double gap) {
  const double len = std::hypot(x1 - x0, y1 - y0);
  if (len <= 0) return;
  const double ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  for (double s = 0; s < len; s += dash + gap) {
    const double e = std::min(len, s + dash);
    line(x0 + ux * s, y0 + uy * s, x0 + ux * e, y0 + uy * e, width, rgb);
  }
}

void Canvas::fill_circle(double cx, double cy, double r, uint32_t rgb, double alpha) {
  for (int j = std::max(0, int(cy - r - 1)); j <= std::min(h_ - 1, int(cy + r + 1)); ++j)
    for (int i = std::max(0, int(cx - r - 1)); i <= std::min(w_ - 1, int(cx + r + 1)); ++i) {
      const double d = std::hypot(i + 0.5 - cx, j + 0.5 - cy);
      blend(i, j, rgb, alpha * std::clamp(r + 0.5 - d, 0.0, 1.0));
    }
}

double Canvas::text_width(const std::string& s, double scale) {
  if (s.empty()) return 0;
  std::string t = printable(s);
  // easy_font's width includes the spacing after the last glyph; drop one unit of it.
  return (stb_easy_font_width(t.data()) - 1) * scale;
}

void Canvas::text(double x, double y, const std::string& s, double scale, uint32_t rgb,
                  bool rotate) {
  if (s.empty()) return;
  std::string t = printable(s);
  std::vector<char> buf(t.size() * 64 * 24 + 256);  // 64 bytes per quad, <= ~20 quads per glyph
  const int quads =
      stb_easy_font_print(0, 0, t.data(), nullptr, buf.data(), static_cast<int>(buf.size()));
  x = std::round(x), y = std::round(y);
  for (int q = 0; q < quads; ++q) {
    float v[4][4];
    std::memcpy(v, buf.data() + q * 64, 64);  // 4 vertices of x, y, z, rgba
    double qx0 = v[0][0], qy0 = v[0][1], qx1 = v[0][0], qy1 = v[0][1];
    for (int k = 1; k < 4; ++k) {
      qx0 = std::min<double>(qx0, v[k][0]), qx1 = std::max<double>(qx1, v[k][0]);
      qy0 = std::min<double>(qy0, v[k][1]), qy1 = std::max<double>(qy1, v[k][1]);
    }
    if (!rotate)
      fill_rect(x + qx0 * scale, y + qy0 * scale, x + qx1 * scale, y + qy1 * scale, rgb);
    else  // (u, v) -> (x + v, y - u): rotate CCW about (x, y)
      fill_rect(x + qy0 * scale, y - qx1 * scale, x + qy1 * scale, y - qx0 * scale, rgb);
  }
}

uint32_t Canvas::pixel(int i, int j) const {
  const uint8_t* p = &px_[(static_cast<size_t>(j) * w_ + i) * 3];
  return (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2];
}

std::string Canvas::encode_png() const {
  std::string out;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data),
                                           static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(sink, &out, w_, h_, 3, px_.data(), w_ * 3))
    throw Error("PNG encoding failed (" + std::to_string(w_) + "x" + std::to_string(h_) + ")");
  return out;
}

}  // namespace hg::report::detail
