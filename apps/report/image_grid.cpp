#include "apps/report/image_grid.h"

#include <algorithm>
#include <cmath>

#include "apps/report/png_canvas.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

namespace hg::report {

void write_image_grid_png(const std::vector<const float*>& images, int h, int w, int cols, int zoom,
                          const std::string& path) {
  constexpr int kSep = 2;
  constexpr uint32_t kSepColor = 0x8090A0, kNan = 0xFF00FF;
  if (images.empty()) throw Error(path + ": image grid has no images");
  if (h <= 0 || w <= 0 || cols <= 0 || zoom <= 0)
    throw Error(path + ": image grid needs positive h, w, cols, zoom (got h=" + std::to_string(h) +
                " w=" + std::to_string(w) + " cols=" + std::to_string(cols) +
                " zoom=" + std::to_string(zoom) + ")");
  for (size_t k = 0; k < images.size(); ++k)
    if (!images[k]) throw Error(path + ": image grid image " + std::to_string(k) + " is null");
  const int n = static_cast<int>(images.size());
  cols = std::min(cols, n);
  const int rows = (n + cols - 1) / cols;
  const long long W = static_cast<long long>(cols) * w * zoom + kSep * (cols + 1);
  const long long H = static_cast<long long>(rows) * h * zoom + kSep * (rows + 1);
  if (W > 16384 || H > 16384)
    throw Error(path + ": image grid would be " + std::to_string(W) + "x" + std::to_string(H) +
                " pixels (limit 16384 per side)");
  detail::Canvas cv(static_cast<int>(W), static_cast<int>(H), kSepColor);
  for (int k = 0; k < n; ++k) {
    const int ox = kSep + (k % cols) * (w * zoom + kSep),
              oy = kSep + (k / cols) * (h * zoom + kSep);
    for (int y = 0; y < h * zoom; ++y)
      for (int x = 0; x < w * zoom; ++x) {
        const float v = images[k][static_cast<size_t>(y / zoom) * w + x / zoom];
        uint32_t rgb = kNan;
        if (!std::isnan(v)) {
          const auto g = static_cast<uint32_t>(std::lround(std::clamp(v, 0.f, 1.f) * 255.f));
          rgb = (g << 16) | (g << 8) | g;
        }
        cv.blend(ox + x, oy + y, rgb, 1.0);
      }
  }
  io::write_file_atomic(path, cv.encode_png());
}

}  // namespace hg::report
