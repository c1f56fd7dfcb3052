// The classical codecs' rate-distortion curves: each codec run over the same images at a fixed
// ladder of its own quality setting (JPEG quality, the wavelet quantiser's step, PNG's number of
// gray levels), every point the mean bytes, PSNR and SSIM over the images. This is how a codec's
// curve is usually drawn, and unlike "at the same bytes as a model" it reaches the codec's
// cheapest setting, so the Bjontegaard delta rate has a curve to integrate against.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hg::compress {

struct CurvePoint {
  std::string codec;   // jpeg, jpeg_scan, wavelet, png, png_data
  double setting = 0;  // quality, step or levels
  double bytes_per_image = 0, psnr = 0, ssim = 0;
};

// n grayscale h x w images in [0, 1] (h, w >= 11 for SSIM's window; hg::Error otherwise).
// Byte counts: jpeg and png whole files, jpeg_scan only JPEG's entropy-coded scan, png_data only
// the PNG's compressed image data, each PNG with its one level byte (png_levels.h).
std::vector<CurvePoint> codec_curves(const float* images, int64_t n, int h, int w);

}  // namespace hg::compress
