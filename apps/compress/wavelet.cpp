#include "apps/compress/wavelet.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "apps/imaging/quality.h"
#include "engine/util/error.h"

namespace hg::compress {

namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;

// The sizes of the successive low bands: while both sides are even and at least 2.
std::vector<std::pair<int, int>> levels_of(int h, int w) {
  std::vector<std::pair<int, int>> out;
  while (h % 2 == 0 && w % 2 == 0 && h >= 2 && w >= 2) {
    out.emplace_back(h, w);
    h /= 2, w /= 2;
  }
  return out;
}

// One level on the top-left hh x ww block of a (row stride W): rows, then columns; the averages
// go to the first half of each line, the differences to the second.
void haar_level(std::vector<double>& a, int W, int hh, int ww, bool inverse) {
  std::vector<double> t(static_cast<size_t>(std::max(hh, ww)));
  auto line = [&](double* p, int n, int stride) {
    const int half = n / 2;
    if (!inverse) {
      for (int i = 0; i < half; ++i) {
        const double x = p[(2 * i) * stride], y = p[(2 * i + 1) * stride];
        t[i] = (x + y) * kInvSqrt2, t[half + i] = (x - y) * kInvSqrt2;
      }
    } else {
      for (int i = 0; i < half; ++i) {
        const double s = p[i * stride], d = p[(half + i) * stride];
        t[2 * i] = (s + d) * kInvSqrt2, t[2 * i + 1] = (s - d) * kInvSqrt2;
      }
    }
    for (int i = 0; i < n; ++i) p[i * stride] = t[i];
  };
  if (!inverse) {
    for (int r = 0; r < hh; ++r) line(a.data() + r * W, ww, 1);
    for (int c = 0; c < ww; ++c) line(a.data() + c, hh, W);
  } else {
    for (int c = 0; c < ww; ++c) line(a.data() + c, hh, W);
    for (int r = 0; r < hh; ++r) line(a.data() + r * W, ww, 1);
  }
}

// Coefficient positions, coarsest band first: the final low band, then each level's detail
// bands from the coarsest level to the finest.
std::vector<int> scan_order(int h, int w) {
  const auto lv = levels_of(h, w);
  std::vector<char> seen(static_cast<size_t>(h) * w, 0);
  std::vector<int> order;
  auto take = [&](int r0, int r1, int c0, int c1) {
    for (int r = r0; r < r1; ++r)
      for (int c = c0; c < c1; ++c)
        if (!seen[r * w + c]) seen[r * w + c] = 1, order.push_back(r * w + c);
  };
  const int lh = lv.empty() ? h : lv.back().first / 2, lw = lv.empty() ? w : lv.back().second / 2;
  take(0, lh, 0, lw);
  for (auto it = lv.rbegin(); it != lv.rend(); ++it) take(0, it->first, 0, it->second);
  take(0, h, 0, w);
  return order;
}

std::string deflate_raw(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("wavelet codec: zlib could not start");
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw Error("wavelet codec: zlib could not compress");
  return out;
}

std::string inflate_raw(const std::string& in, size_t max_out) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) throw Error("wavelet codec: zlib could not start");
  std::string out(max_out, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  if (rc != Z_STREAM_END) throw Error("wavelet file: the coefficient stream is damaged");
  return out;
}

}  // namespace

std::string wavelet_encode(const float* image, int h, int w, float step) {
  if (!(step > 0.0f) || !std::isfinite(step)) throw Error("wavelet codec: the step must be > 0");
  std::vector<double> a(static_cast<size_t>(h) * w);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::clamp(image[i], 0.0f, 1.0f) * 255.0;
  for (const auto& [hh, ww] : levels_of(h, w)) haar_level(a, w, hh, ww, false);
  std::string ints;
  for (int p : scan_order(h, w)) {
    const double c = a[p];
    const int64_t q = static_cast<int64_t>(std::floor(std::fabs(c) / step)) * (c < 0 ? -1 : 1);
    uint64_t u = q < 0 ? (static_cast<uint64_t>(-q) << 1) - 1 : static_cast<uint64_t>(q) << 1;
    do {  // LEB128
      ints.push_back(static_cast<char>((u & 0x7f) | (u >= 0x80 ? 0x80 : 0)));
      u >>= 7;
    } while (u);
  }
  std::string out(4, '\0');
  std::memcpy(out.data(), &step, 4);
  return out + deflate_raw(ints);
}

std::vector<float> wavelet_decode(const std::string& bytes, int h, int w) {
  if (bytes.size() < 5) throw Error("wavelet file: shorter than its header");
  float step = 0;
  std::memcpy(&step, bytes.data(), 4);
  if (!(step > 0.0f) || !std::isfinite(step)) throw Error("wavelet file: a bad step");
  const size_t n = static_cast<size_t>(h) * w;
  const std::string ints = inflate_raw(bytes.substr(4), n * 10 + 16);
  std::vector<double> a(n, 0.0);
  size_t pos = 0;
  for (int p : scan_order(h, w)) {
    uint64_t u = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= ints.size() || shift > 63) throw Error("wavelet file: truncated coefficients");
      const auto b = static_cast<unsigned char>(ints[pos++]);
      u |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    const int64_t q = (u & 1) ? -static_cast<int64_t>((u + 1) >> 1) : static_cast<int64_t>(u >> 1);
    a[p] = q == 0 ? 0.0 : (static_cast<double>(std::llabs(q)) + 0.5) * step * (q < 0 ? -1 : 1);
  }
  const auto lv = levels_of(h, w);
  for (auto it = lv.rbegin(); it != lv.rend(); ++it) haar_level(a, w, it->first, it->second, true);
  std::vector<float> img(n);
  for (size_t i = 0; i < n; ++i)
    img[i] = static_cast<float>(std::clamp(std::round(a[i]), 0.0, 255.0) / 255.0);
  return img;
}

WaveletAtBudget wavelet_at_budget(const float* images, int64_t n, int h, int w, double budget) {
  WaveletAtBudget res;
  double psnr_sum = 0, bytes_sum = 0, step_sum = 0;
  const int64_t D = static_cast<int64_t>(h) * w;
  for (int64_t i = 0; i < n; ++i) {
    const float* img = images + i * D;
    double lo = std::log(0.05), hi = std::log(4096.0);  // hi: every detail in the zero bin
    std::string best = wavelet_encode(img, h, w, float(std::exp(hi)));  // the last that fits
    if (static_cast<double>(best.size()) > budget) {
      res.note = "the wavelet file at its coarsest step is larger than the budget of " +
                 std::to_string(static_cast<int64_t>(budget)) + " bytes";
      return res;
    }
    for (int it = 0; it < 30; ++it) {  // hi fits; find the smallest step that still fits
      const double mid = 0.5 * (lo + hi);
      std::string f = wavelet_encode(img, h, w, float(std::exp(mid)));
      if (static_cast<double>(f.size()) <= budget)
        hi = mid, best = std::move(f);
      else
        lo = mid;
    }
    const std::vector<float> dec = wavelet_decode(best, h, w);
    psnr_sum += std::min(100.0, imaging::psnr(img, dec.data(), D, 1.0));
    bytes_sum += static_cast<double>(best.size());
    step_sum += std::exp(hi);
  }
  if (n == 0) return res;
  res.psnr = psnr_sum / static_cast<double>(n);
  res.mean_bytes = bytes_sum / static_cast<double>(n);
  res.mean_step = step_sum / static_cast<double>(n);
  return res;
}

}  // namespace hg::compress
