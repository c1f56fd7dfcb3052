// Image quality measures for compression and denoising: PSNR and SSIM of grayscale images with
// values in [0, data_range] (our pixels: [0, 1]).
#pragma once
#include <cstdint>

namespace hg::imaging {

// 10 log10(range^2 / MSE) in dB over n values; +inf when the images are identical.
double psnr(const float* a, const float* b, int64_t n, double data_range = 1.0);

// Mean structural similarity (Wang et al. 2004) of two h x w images: Gaussian window of
// sigma 1.5 (11 x 11), K1 = 0.01, K2 = 0.03, statistics over the window positions that fit
// inside the image (as scikit-image's structural_similarity with gaussian_weights=True,
// use_sample_covariance=False). 1 for identical images.
double ssim(const float* a, const float* b, int h, int w, double data_range = 1.0);

// The mean SSIM of n images of c planes of h x w each (row-major [n, c, h, w]): every plane
// scored on its own, averaged over planes and images.
double mean_ssim(const float* a, const float* b, int64_t n, int64_t c, int64_t h, int64_t w,
                 double data_range = 1.0);

}  // namespace hg::imaging
