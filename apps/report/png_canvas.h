// A small RGB raster with anti-aliased primitives and stb_easy_font text, encoded as PNG.
// Coordinates are pixels, (0,0) = top-left corner of the top-left pixel; pixel (i,j) has its
// centre at (i+0.5, j+0.5). Drawing outside the canvas or the clip rectangle is discarded.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hg::report::detail {

class Canvas {
 public:
  Canvas(int w, int h, uint32_t background = 0xFFFFFF);
  int width() const { return w_; }
  int height() const { return h_; }

  void set_clip(double x0, double y0, double x1, double y1);
  void reset_clip();

  // Blends colour `rgb` into pixel (i, j) with coverage `a` in [0,1].
  void blend(int i, int j, uint32_t rgb, double a);
  // Axis-aligned rectangle with fractional-edge coverage.
  void fill_rect(double x0, double y0, double x1, double y1, uint32_t rgb, double alpha = 1);
  // Anti-aliased segment of the given width (round caps).
  void line(double x0, double y0, double x1, double y1, double width, uint32_t rgb,
            double alpha = 1);
  // Connected segments blended once (coverage = max over segments), so joints do not darken.
  void polyline(const std::vector<std::pair<double, double>>& pts, double width, uint32_t rgb,
                double alpha = 1);
  // Dashed segment: `dash` pixels on, `gap` off.
  void dashed_line(double x0, double y0, double x1, double y1, double width, uint32_t rgb,
                   double dash, double gap);
  void fill_circle(double cx, double cy, double r, uint32_t rgb, double alpha = 1);

  // stb_easy_font text, top-left at (x, y), scaled `scale`x. rotate = 90 degrees counter-clockwise
  // (reads bottom-to-top), then (x, y) is the bottom-left of the text's box. Non-ASCII -> '?'.
  void text(double x, double y, const std::string& s, double scale, uint32_t rgb,
            bool rotate = false);
  static double text_width(const std::string& s, double scale);  // advance width in pixels
  static double text_height(double scale) { return 9 * scale; }  // cap height 7 + descender 2

  uint32_t pixel(int i, int j) const;
  const std::vector<uint8_t>& rgb() const { return px_; }
  std::string encode_png() const;  // PNG bytes (stb_image_write)

 private:
  int w_, h_;
  double cx0_, cy0_, cx1_, cy1_;
  std::vector<uint8_t> px_;
};

}  // namespace hg::report::detail
