#include "apps/compress/codec_curves.h"

#include <algorithm>
#include <functional>

#include "apps/compress/codec.h"
#include "apps/compress/png_levels.h"
#include "apps/compress/wavelet.h"
#include "apps/imaging/quality.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::compress {

namespace {

// One encoding of one image: its decoded pixels and the bytes under each way of counting.
struct Coded {
  std::vector<float> decoded;
  std::vector<int64_t> bytes;
};

// Runs `code` on every image at one setting and appends one point per way of counting.
void add_points(std::vector<CurvePoint>& out, const std::vector<std::string>& names, double setting,
                const float* images, int64_t n, int h, int w,
                const std::function<Coded(const float*)>& code) {
  const int64_t D = static_cast<int64_t>(h) * w;
  std::vector<float> dec(static_cast<size_t>(n * D));
  std::vector<double> bytes(names.size(), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const Coded c = code(images + i * D);
    std::copy(c.decoded.begin(), c.decoded.end(), dec.begin() + i * D);
    for (size_t k = 0; k < names.size(); ++k) bytes[k] += static_cast<double>(c.bytes[k]);
  }
  const double psnr = mean_psnr(images, dec.data(), n, D, 1.0);
  const double ssim = imaging::mean_ssim(images, dec.data(), n, 1, h, w);
  for (size_t k = 0; k < names.size(); ++k)
    out.push_back({names[k], setting, bytes[k] / static_cast<double>(n), psnr, ssim});
}

}  // namespace

std::vector<CurvePoint> codec_curves(const float* images, int64_t n, int h, int w) {
  if (n < 1) throw Error("codec curves: no images");
  if (h < 11 || w < 11) throw Error("codec curves: SSIM needs images of at least 11 x 11");
  std::vector<CurvePoint> out;
  for (int q : {1, 2, 3, 5, 8, 12, 20, 30, 40, 50, 60, 70, 80, 90, 95}) {
    interrupt::check("the JPEG curve");
    add_points(out, {"jpeg", "jpeg_scan"}, q, images, n, h, w, [&](const float* img) {
      const std::string f = jpeg_gray(img, h, w, q);
      return Coded{jpeg_decode_gray(f, h, w), {static_cast<int64_t>(f.size()), jpeg_scan_bytes(f)}};
    });
  }
  for (float step : {4096.f, 1024.f, 512.f, 256.f, 160.f, 128.f, 96.f, 64.f, 48.f, 32.f, 24.f, 16.f,
                     12.f, 8.f, 4.f, 2.f}) {
    interrupt::check("the wavelet curve");
    add_points(out, {"wavelet"}, step, images, n, h, w, [&](const float* img) {
      const std::string f = wavelet_encode(img, h, w, step);
      return Coded{wavelet_decode(f, h, w), {static_cast<int64_t>(f.size())}};
    });
  }
  for (int levels : {2, 3, 4, 5, 6, 8, 11, 16, 24, 32, 64, 128, 256}) {
    interrupt::check("the PNG curve");
    add_points(out, {"png", "png_data"}, levels, images, n, h, w, [&](const float* img) {
      const std::string f = png_levels_encode(img, h, w, levels);
      return Coded{png_levels_decode(f, h, w, levels),
                   {1 + static_cast<int64_t>(f.size()), 1 + png_data_bytes(f)}};
    });
  }
  return out;
}

}  // namespace hg::compress
