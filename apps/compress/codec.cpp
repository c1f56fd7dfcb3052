#include "apps/compress/codec.h"

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>

#include "apps/imaging/quality.h"
#include "engine/autograd/autograd.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::compress {

Fingerprint run_fingerprint(const run::LoadedRun& r) {
  return model_fingerprint(r.config.at("model"), *r.model);
}

std::vector<float> decode_rows(const run::LoadedRun& r, const std::vector<float>& z, int64_t n,
                               Device device) {
  autograd::NoGradGuard no_grad;
  const int64_t k = r.model->latent_dim(), D = r.model->input_dim();
  HG_CHECK(static_cast<int64_t>(z.size()) == n * k, "decode_rows: codes size");
  std::vector<float> out;
  out.reserve(static_cast<size_t>(n * D));
  for (int64_t start = 0; start < n; start += 2048) {
    interrupt::check("decoding");
    const int64_t rows = std::min<int64_t>(2048, n - start);
    std::vector<float> part(z.begin() + start * k, z.begin() + (start + rows) * k);
    Tensor zt = Tensor::from_vector({rows, k}, part).to(device);
    std::vector<float> x =
        r.model->to_data(r.model->decode(zt), r.loss).to(Device::cpu()).to_vector();
    out.insert(out.end(), x.begin(), x.end());
  }
  r.scaler.inverse_transform(out.data(), n, D);
  return out;
}

double mean_psnr(const float* a, const float* b, int64_t n, int64_t d, double data_range) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::min(100.0, imaging::psnr(a + i * d, b + i * d, d, data_range));
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

namespace {

void append_bytes(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

uint8_t to_u8(float v) {
  if (!(v == v)) return 0;
  return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
}

}  // namespace

std::string jpeg_gray(const float* image, int h, int w, int quality) {
  std::vector<uint8_t> px(static_cast<size_t>(h) * w);
  for (size_t j = 0; j < px.size(); ++j) px[j] = to_u8(image[j]);
  std::string out;
  if (!stbi_write_jpg_to_func(append_bytes, &out, w, h, 1, px.data(), quality))
    throw Error("JPEG baseline: stb failed to encode an image");
  return out;
}

std::vector<float> jpeg_decode_gray(const std::string& jpg, int h, int w) {
  int dw = 0, dh = 0, comp = 0;
  unsigned char* d = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(jpg.data()),
                                           static_cast<int>(jpg.size()), &dw, &dh, &comp, 1);
  if (!d || dw != w || dh != h) {
    if (d) stbi_image_free(d);
    throw Error("JPEG baseline: stb failed to decode its own JPEG");
  }
  std::vector<float> dec(static_cast<size_t>(h) * w);
  for (size_t j = 0; j < dec.size(); ++j) dec[j] = d[j] / 255.0f;
  stbi_image_free(d);
  return dec;
}

// The entropy-coded bytes of a baseline JPEG: from after the SOS segment to before EOI.
int64_t jpeg_scan_bytes(const std::string& jpg) {
  size_t p = 2;  // after SOI
  while (p + 4 <= jpg.size()) {
    if (static_cast<uint8_t>(jpg[p]) != 0xFF) break;
    const uint8_t marker = static_cast<uint8_t>(jpg[p + 1]);
    const size_t len = static_cast<uint8_t>(jpg[p + 2]) << 8 | static_cast<uint8_t>(jpg[p + 3]);
    if (marker == 0xDA) {
      const size_t start = p + 2 + len;
      return start + 2 <= jpg.size() ? static_cast<int64_t>(jpg.size() - start - 2)
                                     : static_cast<int64_t>(jpg.size());
    }
    p += 2 + len;
  }
  return static_cast<int64_t>(jpg.size());
}

JpegAtBudget jpeg_at_budget(const float* images, int64_t n, int h, int w, double budget,
                            bool scan_only) {
  JpegAtBudget res;
  res.images = n;
  double psnr_sum = 0, bytes_sum = 0, q_sum = 0;
  bool all_fit = true;
  for (int64_t i = 0; i < n; ++i) {
    const float* img = images + i * h * w;
    auto encode = [&](int q, std::string& out) {
      out = jpeg_gray(img, h, w, q);
      return scan_only ? jpeg_scan_bytes(out) : static_cast<int64_t>(out.size());
    };
    std::string jpg, best;
    const int64_t s1 = encode(1, jpg);
    if (static_cast<double>(s1) > budget) {
      res.min_bytes_q1 = std::max(res.min_bytes_q1, s1);
      all_fit = false;
      continue;
    }
    int lo = 1, hi = 100;  // lo fits
    best = jpg;
    int64_t best_size = s1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      const int64_t s = encode(mid, jpg);
      if (static_cast<double>(s) <= budget) {
        lo = mid;
        best = jpg;
        best_size = s;
      } else {
        hi = mid - 1;
      }
    }
    const std::vector<float> dec = jpeg_decode_gray(best, h, w);
    psnr_sum +=
        std::min(100.0, imaging::psnr(img, dec.data(), static_cast<int64_t>(dec.size()), 1.0));
    bytes_sum += static_cast<double>(best_size);
    q_sum += lo;
  }
  if (!all_fit || n == 0) {
    res.note = "JPEG at quality 1 needs up to " + std::to_string(res.min_bytes_q1) +
               (scan_only ? " scan" : "") + " bytes per image, more than the budget of " +
               std::to_string(static_cast<int64_t>(budget)) + " bytes";
    return res;
  }
  res.psnr = psnr_sum / static_cast<double>(n);
  res.mean_bytes = bytes_sum / static_cast<double>(n);
  res.mean_quality = q_sum / static_cast<double>(n);
  return res;
}

std::string png_gray(const float* image, int h, int w) {
  std::vector<uint8_t> px(static_cast<size_t>(h) * w);
  for (size_t j = 0; j < px.size(); ++j) px[j] = to_u8(image[j]);
  std::string out;
  if (!stbi_write_png_to_func(append_bytes, &out, w, h, 1, px.data(), w))
    throw Error("stb failed to encode a PNG");
  return out;
}

}  // namespace hg::compress
