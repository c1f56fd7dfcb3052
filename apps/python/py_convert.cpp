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

RowsView view_rows(const FloatArray& X, const std::string& what, int64_t width) {
  if (X.ndim() < 2 || X.ndim() > 4)
    throw UsageError(what +
                     ": expected rows [n, D] or images [n, H, W] / [n, C, H, W], got shape " +
                     shape_text(X));
  RowsView v;
  v.n = X.shape(0);
  for (pyb::ssize_t i = 1; i < X.ndim(); ++i) v.sample_shape.push_back(X.shape(i));
  if (X.ndim() == 3) v.sample_shape.insert(v.sample_shape.begin(), 1);  // [n, H, W]: one channel
  if (v.n < 1) throw UsageError(what + ": no rows (shape " + shape_text(X) + ")");
  v.features = 1;
  for (int64_t s : v.sample_shape) v.features *= s;
  if (v.features < 1)
    throw UsageError(what + ": rows have no values (shape " + shape_text(X) + ")");
  if (width >= 0 && v.features != width)
    throw UsageError(what + ": rows have " + std::to_string(v.features) +
                     " values, the model takes " + std::to_string(width));
  v.data = X.data();
  const int64_t total = v.n * v.features;
  for (int64_t i = 0; i < total; ++i)
    if (!std::isfinite(v.data[i]))
      throw UsageError(what + ": row " + std::to_string(i / v.features) +
                       " has a NaN or infinite value");
  return v;
}

data::Dataset rows_from_array(const FloatArray& X, const std::string& what, int64_t width) {
  const RowsView v = view_rows(X, what, width);
  data::Dataset d;
  d.name = "array";
  d.n = v.n;
  d.sample_shape = v.sample_shape;
  d.x.assign(v.data, v.data + v.n * v.features);
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
