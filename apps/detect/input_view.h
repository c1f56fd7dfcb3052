// The view of the inputs that the knn-input score measures distances in: each value raised to a
// power (0.5 = square root: it lifts faint strokes and textures, so a shape counts more than its
// brightness), then, for images, a Gaussian blur per channel (so a stroke one pixel off still
// overlaps its match). On Fashion-MNIST one-class the 5-NN distance goes from 0.923 mean AUROC
// on raw pixels to 0.950 with power 0.5 and blur 1 (bench/RESULTS.md).
// Host code; rows are [n, D] row-major floats, D = c * h * w for images ([c][h][w] each).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hg::detect {

struct InputView {
  double power = 1.0;  // > 0; values must be >= 0 when power != 1
  double blur = 0.0;   // Gaussian sigma in pixels; 0 = none. Needs the image shape below.
  int64_t c = 1, h = 0, w = 0;

  bool identity() const { return power == 1.0 && blur == 0.0; }
  // UsageError on a bad parameter or a shape that does not fit D, naming the flag (--knn-power,
  // --knn-blur), or the field of the file `origin` when one is given.
  void check(int64_t D, const std::string& origin = "") const;
  // The transformed rows, [n, D]. Error when power != 1 meets a negative or NaN value.
  std::vector<float> apply(const float* x, int64_t n, int64_t D) const;

  nlohmann::json to_json() const;  // {} for the identity
  static InputView from_json(const nlohmann::json& j, const std::string& origin);
};

// The normalised 1-D Gaussian taps for sigma, radius ceil(4 sigma) (as scipy.ndimage's default
// truncation): 2 * radius + 1 weights summing to 1.
std::vector<float> gaussian_taps(double sigma);

}  // namespace hg::detect
