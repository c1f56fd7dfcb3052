#include "engine/data/scaler.h"

#include <cmath>
#include <limits>

#include "engine/util/error.h"

namespace hg::data {

ScalerKind parse_scaler_kind(const std::string& s, const std::string& flag) {
  if (s == "none") return ScalerKind::None;
  if (s == "standard") return ScalerKind::Standard;
  if (s == "minmax") return ScalerKind::MinMax;
  if (s == "binarize") return ScalerKind::Binarize;
  throw UsageError(flag + ": unknown scaler '" + s +
                   "' (expected none, standard, minmax or binarize)");
}

std::string to_string(ScalerKind k) {
  switch (k) {
    case ScalerKind::None: return "none";
    case ScalerKind::Standard: return "standard";
    case ScalerKind::MinMax: return "minmax";
    case ScalerKind::Binarize: return "binarize";
  }
  return "none";
}

void Scaler::fit(const float* x, int64_t n, int64_t d) {
  shift.clear();
  scale.clear();
  if (kind == ScalerKind::None || kind == ScalerKind::Binarize) return;
  if (n < 1 || d < 1)
    throw Error("scaler: cannot fit " + to_string(kind) + " scaling on " + std::to_string(n) +
                " rows of " + std::to_string(d) + " features");
  std::vector<double> sum(d, 0.0), lo(d, std::numeric_limits<double>::infinity()),
      hi(d, -std::numeric_limits<double>::infinity());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const double v = x[i * d + j];
      sum[j] += v;
      lo[j] = std::min(lo[j], v);
      hi[j] = std::max(hi[j], v);
    }
  shift.resize(d);
  scale.resize(d);
  if (kind == ScalerKind::MinMax) {
    for (int64_t j = 0; j < d; ++j) {
      shift[j] = static_cast<float>(lo[j]);
      const double range = hi[j] - lo[j];
      scale[j] = range > 0 ? static_cast<float>(range) : 1.0f;
    }
    return;
  }
  // Two passes: the centred sum of squares avoids the cancellation of E[x^2] - E[x]^2.
  std::vector<double> mean(d), ss(d, 0.0);
  for (int64_t j = 0; j < d; ++j) mean[j] = sum[j] / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const double c = x[i * d + j] - mean[j];
      ss[j] += c * c;
    }
  for (int64_t j = 0; j < d; ++j) {
    shift[j] = static_cast<float>(mean[j]);
    const double sd = std::sqrt(ss[j] / static_cast<double>(n));
    // hi > lo guards against a rounding-noise std on a constant column (double sums of floats
    // are exact below ~2^29 rows, so this only matters for huge n).
    scale[j] = (hi[j] > lo[j] && sd > 0) ? static_cast<float>(sd) : 1.0f;
  }
}

void Scaler::check_width(int64_t d, const char* what) const {
  if (static_cast<size_t>(d) != shift.size())
    throw Error(std::string("scaler: ") + what + " on " + std::to_string(d) +
                " features but the scaler was fitted on " + std::to_string(shift.size()));
}

void Scaler::transform(float* x, int64_t n, int64_t d) const {
  if (kind == ScalerKind::None) return;
  if (kind == ScalerKind::Binarize) {
    for (int64_t i = 0; i < n * d; ++i) x[i] = x[i] > 0.5f ? 1.0f : 0.0f;
    return;
  }
  check_width(d, "transform");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) x[i * d + j] = (x[i * d + j] - shift[j]) / scale[j];
}

void Scaler::inverse_transform(float* x, int64_t n, int64_t d) const {
  if (kind == ScalerKind::None || kind == ScalerKind::Binarize) return;
  check_width(d, "inverse_transform");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) x[i * d + j] = x[i * d + j] * scale[j] + shift[j];
}

nlohmann::json Scaler::to_json() const {
  return {{"kind", to_string(kind)}, {"shift", shift}, {"scale", scale}};
}

namespace {

std::vector<float> float_array(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array())
    throw Error(std::string("scaler: '") + key + "' must be an array of numbers");
  std::vector<float> out;
  for (const auto& v : j[key]) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw Error(std::string("scaler: '") + key + "' must hold only finite numbers");
    out.push_back(v.get<float>());
  }
  return out;
}

}  // namespace

Scaler Scaler::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
    throw Error("scaler: expected an object with a string 'kind'");
  Scaler s;
  const std::string kind = j["kind"].get<std::string>();
  if (kind == "none")
    s.kind = ScalerKind::None;
  else if (kind == "standard")
    s.kind = ScalerKind::Standard;
  else if (kind == "minmax")
    s.kind = ScalerKind::MinMax;
  else if (kind == "binarize")
    s.kind = ScalerKind::Binarize;
  else
    throw Error("scaler: unknown kind '" + kind + "'");
  if (s.kind == ScalerKind::None || s.kind == ScalerKind::Binarize) return s;
  s.shift = float_array(j, "shift");
  s.scale = float_array(j, "scale");
  if (s.shift.size() != s.scale.size() || s.shift.empty())
    throw Error("scaler: 'shift' and 'scale' must be non-empty and of equal length (got " +
                std::to_string(s.shift.size()) + " and " + std::to_string(s.scale.size()) + ")");
  for (float v : s.scale)
    if (v == 0.0f) throw Error("scaler: 'scale' holds a zero");
  return s;
}

}  // namespace hg::data
