// Lossy PNG, the third classical baseline beside JPEG and the wavelet codec: PNG itself is
// lossless, so the only way it meets a byte budget is by storing fewer gray levels
// (posterisation, what pngquant does to colour images). Encode: each pixel in [0, 1] becomes the
// index round(v (L - 1)) of the nearest of L evenly spaced levels, packed at the smallest PNG
// grayscale bit depth that holds L (1, 2, 4 or 8 bits), the one scanline filter (of PNG's five)
// that deflates smallest, zlib at level 9: a standard PNG any viewer opens, as small as a
// careful encoder makes it. Decode: index / (L - 1). L is one byte per image, counted in every
// size below.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hg::compress {

// levels in [2, 256]; hg::Error otherwise.
std::string png_levels_encode(const float* image, int h, int w, int levels);
// Values in [0, 1]. hg::Error for bytes that are not an h x w grayscale PNG.
std::vector<float> png_levels_decode(const std::string& png, int h, int w, int levels);
// The bytes of a PNG's compressed image data: the payloads of its IDAT chunks, as if the
// signature, IHDR and IEND were shared by all images the way the .hgz header is.
int64_t png_data_bytes(const std::string& png);

// Each of n h x w images with the most levels whose PNG (plus the level byte) fits `budget`
// bytes, found by bisection; data_only counts png_data_bytes instead of the whole file. PSNR
// (capped at 100 dB) averaged over the images, like jpeg_at_budget.
struct PngAtBudget {
  std::optional<double> psnr;  // empty when some image does not fit even with 2 levels
  double mean_bytes = 0, mean_levels = 0;
  std::string note;
};
PngAtBudget png_at_budget(const float* images, int64_t n, int h, int w, double budget,
                          bool data_only);

}  // namespace hg::compress
