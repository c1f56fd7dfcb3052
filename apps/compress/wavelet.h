// A wavelet image codec, the classical baseline of seed 000's exercise 2 beside JPEG and PCA.
// Encode: pixels in [0, 1] scaled to 0..255; a multi-level orthonormal 2-D Haar transform (each
// level halves the low band while its sides stay even, so 28 x 28 gets two levels: 14 x 14, then
// 7 x 7); a dead-zone uniform quantiser of step s (q = sign(c) floor(|c| / s): a zero bin twice as
// wide as the others, where most detail coefficients land); the integers, coarsest band first,
// as zig-zag varints compressed by raw DEFLATE (zlib, level 9, no header). A file is the step as
// a float32 (4 bytes) and that stream. Decode reconstructs each nonzero bin at its middle.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hg::compress {

std::string wavelet_encode(const float* image, int h, int w, float step);
// Values in [0, 1]. hg::Error for bytes that are not a wavelet file of this size.
std::vector<float> wavelet_decode(const std::string& bytes, int h, int w);

// Each of n h x w images at the smallest step (the best quality, by bisection of log s) whose
// file fits `budget` bytes; PSNR (capped at 100 dB) averaged over the images, like
// jpeg_at_budget.
struct WaveletAtBudget {
  std::optional<double> psnr;  // empty when some image does not fit even at the coarsest step
  double mean_bytes = 0, mean_step = 0;
  std::string note;
};
WaveletAtBudget wavelet_at_budget(const float* images, int64_t n, int h, int w, double budget);

}  // namespace hg::compress
