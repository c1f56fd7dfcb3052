#include "apps/compress/png_levels.h"

#include <stb/stb_image.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "apps/imaging/quality.h"
#include "engine/util/error.h"

namespace hg::compress {

namespace {

// The smallest PNG grayscale bit depth that holds `levels` values.
int bit_depth(int levels) { return levels <= 2 ? 1 : levels <= 4 ? 2 : levels <= 16 ? 4 : 8; }

// Indices [h, w] as PNG scanlines of `depth` bits per pixel, most significant bits first.
std::vector<uint8_t> pack_rows(const std::vector<uint8_t>& idx, int h, int w, int depth) {
  const size_t stride = (static_cast<size_t>(w) * depth + 7) / 8;
  std::vector<uint8_t> rows(stride * h, 0);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      const size_t bit = static_cast<size_t>(c) * depth;
      rows[r * stride + bit / 8] |=
          static_cast<uint8_t>(idx[static_cast<size_t>(r) * w + c] << (8 - depth - bit % 8));
    }
  return rows;
}

uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return static_cast<uint8_t>(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

// PNG filter type f (0 none, 1 sub, 2 up, 3 average, 4 Paeth; one byte per pixel step, which
// is what PNG uses for bit depths below 8 too) on every scanline, each prefixed by its type.
std::string filter_rows(const std::vector<uint8_t>& rows, int h, size_t stride, uint8_t f) {
  std::string out;
  out.reserve((stride + 1) * h);
  for (int r = 0; r < h; ++r) {
    const uint8_t* cur = rows.data() + r * stride;
    const uint8_t* up = r > 0 ? cur - stride : nullptr;
    out += static_cast<char>(f);
    for (size_t i = 0; i < stride; ++i) {
      const int a = i > 0 ? cur[i - 1] : 0, b = up ? up[i] : 0, c = up && i > 0 ? up[i - 1] : 0;
      const int pred = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? paeth(a, b, c) : 0;
      out += static_cast<char>(static_cast<uint8_t>(cur[i] - pred));
    }
  }
  return out;
}

// A zlib stream (what IDAT holds) at zlib's best compression.
std::string deflate(const std::string& raw) {
  uLongf len = compressBound(static_cast<uLong>(raw.size()));
  std::string out(len, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &len,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                9) != Z_OK)
    throw Error("PNG baseline: zlib failed to compress an image");
  out.resize(len);
  return out;
}

void put_be32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
}

// length, type, data, CRC-32 of type and data.
void put_chunk(std::string& png, const char* type, const std::string& data) {
  put_be32(png, static_cast<uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  png += body;
  put_be32(png, static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()),
                                            static_cast<uInt>(body.size()))));
}

uint32_t be32(const std::string& s, size_t p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[p])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[p + 1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[p + 2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[p + 3]));
}

// Counted size of one encoding: the level byte and the file or its image data.
int64_t counted(const std::string& png, bool data_only) {
  return 1 + (data_only ? png_data_bytes(png) : static_cast<int64_t>(png.size()));
}

}  // namespace

std::string png_levels_encode(const float* image, int h, int w, int levels) {
  if (levels < 2 || levels > 256)
    throw Error("PNG baseline: levels must be in [2, 256], not " + std::to_string(levels));
  const int depth = bit_depth(levels);
  const float top = static_cast<float>(levels - 1);
  std::vector<uint8_t> idx(static_cast<size_t>(h) * w);
  for (size_t j = 0; j < idx.size(); ++j) {
    const float v = image[j] == image[j] ? std::clamp(image[j], 0.0f, 1.0f) : 0.0f;
    idx[j] = static_cast<uint8_t>(std::lround(v * top));
  }
  const std::vector<uint8_t> rows = pack_rows(idx, h, w, depth);
  const size_t stride = rows.size() / static_cast<size_t>(h);
  std::string best;
  for (uint8_t f = 0; f <= 4; ++f) {  // the one filter for all rows that deflates smallest
    const std::string z = deflate(filter_rows(rows, h, stride, f));
    if (best.empty() || z.size() < best.size()) best = z;
  }
  std::string ihdr;
  put_be32(ihdr, static_cast<uint32_t>(w));
  put_be32(ihdr, static_cast<uint32_t>(h));
  ihdr += static_cast<char>(depth);
  ihdr += std::string("\0\0\0\0", 4);  // grayscale; deflate; adaptive filters; no interlace
  std::string png("\x89PNG\r\n\x1a\n", 8);
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", best);
  put_chunk(png, "IEND", "");
  return png;
}

std::vector<float> png_levels_decode(const std::string& png, int h, int w, int levels) {
  if (levels < 2 || levels > 256)
    throw Error("PNG baseline: levels must be in [2, 256], not " + std::to_string(levels));
  int dw = 0, dh = 0, comp = 0;
  unsigned char* d = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()),
                                           static_cast<int>(png.size()), &dw, &dh, &comp, 1);
  if (!d) throw Error("PNG baseline: not a PNG image");
  if (dw != w || dh != h) {
    stbi_image_free(d);
    throw Error("PNG baseline: the PNG is " + std::to_string(dw) + " x " + std::to_string(dh) +
                ", expected " + std::to_string(w) + " x " + std::to_string(h));
  }
  // stb widens bit depths below 8 to 0..255; narrow back to the stored index.
  const int depth_max = (1 << bit_depth(levels)) - 1;
  std::vector<float> out(static_cast<size_t>(h) * w);
  const float top = static_cast<float>(levels - 1);
  for (size_t j = 0; j < out.size(); ++j) {
    const long index = depth_max == 255 ? d[j] : std::lround(d[j] * depth_max / 255.0);
    out[j] = std::min(1.0f, static_cast<float>(index) / top);
  }
  stbi_image_free(d);
  return out;
}

int64_t png_data_bytes(const std::string& png) {
  int64_t sum = 0;
  size_t p = 8;  // after the signature
  while (p + 12 <= png.size()) {
    const uint32_t len = be32(png, p);
    if (png.compare(p + 4, 4, "IDAT") == 0) sum += len;
    p += 12 + static_cast<size_t>(len);
  }
  return sum;
}

namespace {

// The most levels whose encoding fits the budget (0 when not even 2 do, with best_size the
// size of 2 levels), bisecting within each bit depth's band of levels from the widest down:
// size grows with the levels inside a band but may drop where the bit depth steps.
int most_levels_within(const float* img, int h, int w, double budget, bool data_only,
                       std::string& best, int64_t& best_size) {
  static constexpr int kBands[4][2] = {{17, 256}, {5, 16}, {3, 4}, {2, 2}};
  for (const auto& band : kBands) {
    std::string png = png_levels_encode(img, h, w, band[0]);
    int64_t size = counted(png, data_only);
    best_size = size;
    if (static_cast<double>(size) > budget) continue;
    int lo = band[0], hi = band[1];  // lo fits
    best = std::move(png);
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      png = png_levels_encode(img, h, w, mid);
      size = counted(png, data_only);
      if (static_cast<double>(size) <= budget) {
        lo = mid, best = png, best_size = size;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
  return 0;
}

}  // namespace

PngAtBudget png_at_budget(const float* images, int64_t n, int h, int w, double budget,
                          bool data_only) {
  PngAtBudget res;
  double psnr_sum = 0, bytes_sum = 0, level_sum = 0;
  int64_t smallest_2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* img = images + i * h * w;
    std::string best;
    int64_t best_size = 0;
    const int lo = most_levels_within(img, h, w, budget, data_only, best, best_size);
    if (lo == 0) {
      smallest_2 = std::max(smallest_2, best_size);
      continue;
    }
    const std::vector<float> dec = png_levels_decode(best, h, w, lo);
    psnr_sum +=
        std::min(100.0, imaging::psnr(img, dec.data(), static_cast<int64_t>(dec.size()), 1.0));
    bytes_sum += static_cast<double>(best_size);
    level_sum += lo;
  }
  if (smallest_2 > 0 || n == 0) {
    res.note = "PNG with 2 gray levels needs up to " + std::to_string(smallest_2) +
               (data_only ? " image-data" : "") + " bytes per image, more than the budget of " +
               std::to_string(static_cast<int64_t>(budget)) + " bytes";
    return res;
  }
  res.psnr = psnr_sum / static_cast<double>(n);
  res.mean_bytes = bytes_sum / static_cast<double>(n);
  res.mean_levels = level_sum / static_cast<double>(n);
  return res;
}

}  // namespace hg::compress
