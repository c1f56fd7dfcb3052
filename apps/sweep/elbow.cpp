#include "apps/sweep/elbow.h"

#include <algorithm>
#include <cmath>

#include "engine/util/error.h"

namespace hg::sweep {

namespace {

// The range of v (1 when v is constant, so a flat axis scales to all zeros, not NaN).
double span(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi > *lo ? *hi - *lo : 1.0;
}

}  // namespace

Elbow find_elbow(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw Error("elbow: x and y differ in length");
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) throw Error("elbow: a value is not finite");
    if (i > 0 && !(x[i] > x[i - 1])) throw Error("elbow: x must be strictly increasing");
  }
  Elbow e;
  if (x.size() < 3) return e;
  const double sx = span(x), sy = span(y);
  // The chord from the first to the last point in the scaled plane, and its length (> 0: x
  // increases strictly, so the scaled x runs from 0 to 1).
  const double dx = (x.back() - x.front()) / sx, dy = (y.back() - y.front()) / sy;
  const double len = std::hypot(dx, dy);
  for (size_t i = 1; i + 1 < x.size(); ++i) {
    const double px = (x[i] - x.front()) / sx, py = (y[i] - y.front()) / sy;
    const double d = std::fabs(dx * py - dy * px) / len;  // |cross product| / |chord|
    if (d > e.distance + 1e-12) e.index = static_cast<int>(i), e.distance = d;
  }
  return e;
}

}  // namespace hg::sweep
