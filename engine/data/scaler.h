// Per-feature affine scaling of tabular inputs, fitted on training rows and saved with a model so
// that evaluation applies the identical transform.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hg::data {

enum class ScalerKind { None, Standard, MinMax, Binarize };

// "none" | "standard" | "minmax" | "binarize"; anything else -> UsageError naming flag.
ScalerKind parse_scaler_kind(const std::string& s, const std::string& flag);
std::string to_string(ScalerKind k);

// x' = (x - shift[j]) / scale[j] for feature j. Inputs are row-major [n, d].
struct Scaler {
  ScalerKind kind = ScalerKind::None;
  std::vector<float> shift, scale;  // d entries each after fit (empty for None)

  // Standard: mean and population std (a constant column gets scale 1, as scikit-learn);
  // MinMax: min and max-min (constant -> 1). Accumulates in double. None: records nothing.
  // Binarize: x' = 1 if x > 0.5 else 0 (binarised MNIST, for Bernoulli decoders); fits nothing
  // and has no inverse (inverse_transform leaves the 0/1 values as they are).
  // Error when n < 1 for a non-None kind.
  void fit(const float* x, int64_t n, int64_t d);
  // In place. No-op for None; Error if d differs from the fitted width.
  void transform(float* x, int64_t n, int64_t d) const;
  void inverse_transform(float* x, int64_t n, int64_t d) const;

  // {"kind": "standard", "shift": [...], "scale": [...]}; from_json throws Error on anything
  // malformed (unknown kind, missing or non-numeric arrays, length mismatch, zero scale).
  nlohmann::json to_json() const;
  static Scaler from_json(const nlohmann::json& j);

 private:
  void check_width(int64_t d, const char* what) const;
};

}  // namespace hg::data
