// Image resampling for super-resolution (`hourglass upscale`) and its baselines. Images are
// row-major planes [n, c, h, w] of floats in [0, 1]; every function returns a new buffer.
//   block_average:    each f x f block -> its mean (the low-resolution image, h/f x w/f)
//   upsample_nearest: each pixel repeated f x f times
//   upsample_bicubic: Keys' cubic convolution (a = -0.75, as OpenCV's INTER_CUBIC), pixel
//                     centres aligned ((x + 0.5) / f - 0.5), edges replicated, result clamped to
//                     [0, 1] (the range of the images, which only helps the baseline)
#pragma once
#include <cstdint>
#include <vector>

namespace hg::imaging {

std::vector<float> block_average(const float* img, int64_t n, int64_t c, int64_t h, int64_t w,
                                 int64_t f);
// `low` is [n, c, h, w]; the result [n, c, h*f, w*f].
std::vector<float> upsample_nearest(const float* low, int64_t n, int64_t c, int64_t h, int64_t w,
                                    int64_t f);
std::vector<float> upsample_bicubic(const float* low, int64_t n, int64_t c, int64_t h, int64_t w,
                                    int64_t f, double a = -0.75);

}  // namespace hg::imaging
