#include "apps/detect/input_view.h"

#include <cmath>

#include "engine/host/parallel.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::detect {

std::vector<float> gaussian_taps(double sigma) {
  const int r = static_cast<int>(std::ceil(4.0 * sigma));
  std::vector<double> t(static_cast<size_t>(2 * r + 1));
  double sum = 0;
  for (int i = -r; i <= r; ++i)
    sum += t[static_cast<size_t>(i + r)] = std::exp(-0.5 * i * i / (sigma * sigma));
  std::vector<float> out(t.size());
  for (size_t i = 0; i < t.size(); ++i) out[i] = static_cast<float>(t[i] / sum);
  return out;
}

void InputView::check(int64_t D, const std::string& origin) const {
  const std::string pw = origin.empty() ? "--knn-power" : origin + ": input_power";
  const std::string bl = origin.empty() ? "--knn-blur" : origin + ": input_blur";
  if (!(power > 0.0) || !std::isfinite(power))
    throw UsageError(pw + ": the power must be a positive number, got " + fmt::num(power));
  if (!(blur >= 0.0) || blur > 10.0)
    throw UsageError(bl + ": the blur sigma must be in [0, 10] pixels, got " + fmt::num(blur));
  if (blur > 0.0 && (h < 1 || w < 1 || c < 1 || c * h * w != D))
    throw UsageError(bl + ": blurring needs image data (a " + std::to_string(D) +
                     "-feature table has no height and width)");
}

std::vector<float> InputView::apply(const float* x, int64_t n, int64_t D) const {
  std::vector<float> out(x, x + n * D);
  if (power != 1.0) {
    const float p = static_cast<float>(power);
    for (int64_t i = 0; i < n * D; ++i) {
      const float v = out[static_cast<size_t>(i)];
      if (!(v >= 0.0f))
        throw Error("--knn-power " + fmt::num(power) +
                    ": needs inputs >= 0 (scaled as the model sees them), row " +
                    std::to_string(i / D) + " has " + fmt::num(v));
      out[static_cast<size_t>(i)] = p == 0.5f ? std::sqrt(v) : std::pow(v, p);
    }
  }
  if (blur > 0.0) {
    const std::vector<float> taps = gaussian_taps(blur);
    const int64_t r = static_cast<int64_t>(taps.size() / 2);
    // Separable: rows then columns, zero outside the image, one plane at a time.
    host::parallel_for(0, n * c, 16, [&](int64_t lo, int64_t hi) {
      std::vector<float> tmp(static_cast<size_t>(h * w));
      for (int64_t pl = lo; pl < hi; ++pl) {
        float* img = out.data() + pl * h * w;
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x0 = 0; x0 < w; ++x0) {
            float s = 0;
            for (int64_t t = -r; t <= r; ++t)
              if (x0 + t >= 0 && x0 + t < w)
                s += taps[static_cast<size_t>(t + r)] * img[y * w + x0 + t];
            tmp[static_cast<size_t>(y * w + x0)] = s;
          }
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x0 = 0; x0 < w; ++x0) {
            float s = 0;
            for (int64_t t = -r; t <= r; ++t)
              if (y + t >= 0 && y + t < h)
                s += taps[static_cast<size_t>(t + r)] * tmp[static_cast<size_t>((y + t) * w + x0)];
            img[y * w + x0] = s;
          }
      }
    });
  }
  return out;
}

nlohmann::json InputView::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  if (power != 1.0) j["input_power"] = power;
  if (blur != 0.0) {
    j["input_blur"] = blur;
    j["image_shape"] = {c, h, w};
  }
  return j;
}

InputView InputView::from_json(const nlohmann::json& j, const std::string& origin) {
  InputView v;
  try {
    v.power = j.value("input_power", 1.0);
    v.blur = j.value("input_blur", 0.0);
    if (v.blur != 0.0) {
      const auto s = j.at("image_shape").get<std::vector<int64_t>>();
      if (s.size() != 3) throw Error(origin + ": image_shape must be [c, h, w]");
      v.c = s[0], v.h = s[1], v.w = s[2];
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": malformed input view: " + io::json_error_text(e));
  }
  v.check(v.c * v.h * v.w > 0 ? v.c * v.h * v.w : 1, origin);
  return v;
}

}  // namespace hg::detect
