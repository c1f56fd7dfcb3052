// Learned compression around a trained run: the run's fingerprint, decoding .hgz codes back to
// data, quality of the result, and the baselines it is compared with (JPEG at the same bytes,
// PCA with the same number of coefficients).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apps/compress/hgz_format.h"
#include "apps/run/run_folder.h"
#include "engine/tensor/device.h"

namespace hg::compress {

// model_fingerprint of the run's config "model" object and its loaded weights.
Fingerprint run_fingerprint(const run::LoadedRun& r);

// Codes [n, k] -> decoded rows [n, D] in the data's units (decoder, to_data, inverse scaler),
// computed on `device` in chunks.
std::vector<float> decode_rows(const run::LoadedRun& r, const std::vector<float>& z, int64_t n,
                               Device device);

// Per-sample PSNR in dB of b against a (rows of d values, range `data_range`), capped at 100 dB
// so that an exact row does not make the mean infinite; the mean over the n rows.
double mean_psnr(const float* a, const float* b, int64_t n, int64_t d, double data_range);

// JPEG (stb, baseline, grayscale) of each of n h x w images in [0, 1] at the highest quality
// (1..100, by binary search) whose size is at most `budget` bytes. scan_only counts only the
// entropy-coded scan (the bytes after the SOS header up to EOI), as if the headers and tables
// were shared by all images the way the .hgz header is.
struct JpegAtBudget {
  std::optional<double> psnr;  // mean over the images; empty when some image does not fit
  double mean_bytes = 0;       // mean counted size of the chosen encodings
  double mean_quality = 0;
  int64_t images = 0;
  int64_t min_bytes_q1 = 0;  // the largest quality-1 size seen (why it did not fit)
  std::string note;          // why psnr is empty
};
JpegAtBudget jpeg_at_budget(const float* images, int64_t n, int h, int w, double budget,
                            bool scan_only);

// One image (h x w, values in [0, 1]) as a baseline grayscale JPEG (stb) at quality 1..100, and
// back to [0, 1]; the count of its entropy-coded scan bytes (after the SOS header, before EOI).
std::string jpeg_gray(const float* image, int h, int w, int quality);
std::vector<float> jpeg_decode_gray(const std::string& jpg, int h, int w);
int64_t jpeg_scan_bytes(const std::string& jpg);

// One image (h x w, values in [0, 1]) as 8-bit grayscale PNG bytes.
std::string png_gray(const float* image, int h, int w);

}  // namespace hg::compress
