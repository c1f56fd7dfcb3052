#include "apps/python/py_convert.h"

#include <cmath>
#include <utility>

#include "engine/util/error.h"

namespace hg::py {

namespace {

std::string shape_text(const FloatArray& X) {
  std::string s = "(";
  for (pyb::ssize_t i = 0; i < X.ndim(); ++i) s += (i ? ", " : "") + std::to_string(X.shape(i));
  return s + (X.ndim() == 1 ? ",)" : ")");
}

template <typename T>
pyb::array_t<T> owning_array(std::vector<T>&& v, std::vector<int64_t> shape) {
  auto* owned = new std::vector<T>(std::move(v));
  pyb::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  std::vector<pyb::ssize_t> dims(shape.begin(), shape.end());
  return pyb::array_t<T>(dims, owned->data(), free_when_done);
}

}  // namespace

data::Dataset rows_from_array(const FloatArray& X, const std::string& what, int64_t width) {
  if (X.ndim() < 2 || X.ndim() > 4)
    throw UsageError(what +
                     ": expected rows [n, D] or images [n, H, W] / [n, C, H, W], got shape " +
                     shape_text(X));
  data::Dataset d;
  d.name = "array";
  d.n = X.shape(0);
  for (pyb::ssize_t i = 1; i < X.ndim(); ++i) d.sample_shape.push_back(X.shape(i));
  if (X.ndim() == 3) d.sample_shape.insert(d.sample_shape.begin(), 1);  // [n, H, W]: one channel
  if (d.n < 1) throw UsageError(what + ": no rows (shape " + shape_text(X) + ")");
  const int64_t D = d.features();
  if (D < 1) throw UsageError(what + ": rows have no values (shape " + shape_text(X) + ")");
  if (width >= 0 && D != width)
    throw UsageError(what + ": rows have " + std::to_string(D) + " values, the model takes " +
                     std::to_string(width));
  const float* p = X.data();
  d.x.assign(p, p + d.n * D);
  for (int64_t i = 0; i < d.n * D; ++i)
    if (!std::isfinite(d.x[static_cast<size_t>(i)]))
      throw UsageError(what + ": row " + std::to_string(i / D) + " has a NaN or infinite value");
  return d;
}

pyb::array_t<float> to_array(std::vector<float>&& v, std::vector<int64_t> shape) {
  return owning_array(std::move(v), std::move(shape));
}
pyb::array_t<double> to_array(std::vector<double>&& v, std::vector<int64_t> shape) {
  return owning_array(std::move(v), std::move(shape));
}
pyb::array_t<int32_t> to_array(std::vector<int32_t>&& v, std::vector<int64_t> shape) {
  return owning_array(std::move(v), std::move(shape));
}

}  // namespace hg::py
