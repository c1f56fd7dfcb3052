// A contact sheet of grayscale images (e.g. inputs next to reconstructions) as a PNG.
#pragma once
#include <string>
#include <vector>

namespace hg::report {

// Each image is h*w floats, row-major, 0 = black, 1 = white (clamped; NaN drawn magenta).
// Images fill rows of `cols` (min(cols, n) when fewer), each magnified `zoom` times (nearest
// neighbour), with 2 px grey separators around every cell. Output size: (cols*w*zoom + 2*(cols+1))
// x (rows*h*zoom + 2*(rows+1)), rows = ceil(n / cols). Written atomically; bad arguments (no
// images, null image, non-positive sizes, too large) throw hg::Error naming the path.
void write_image_grid_png(const std::vector<const float*>& images, int h, int w, int cols, int zoom,
                          const std::string& path);

}  // namespace hg::report
