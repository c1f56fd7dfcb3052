// numpy <-> Hourglass for the Python module. Arrays come in as C-contiguous float32 (pybind11's
// forcecast converts other dtypes and layouts with one copy; a float32 C array is used in place
// until it is copied into the engine's own buffers), and go out as arrays that own the engine's
// vector (moved into a capsule, never copied).
// Every function here needs the GIL; the compute they feed runs without it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "engine/data/dataset.h"

namespace hg::py {

namespace pyb = pybind11;
using FloatArray = pyb::array_t<float, pyb::array::c_style | pyb::array::forcecast>;

// X as rows [n, D]: a 2-D array, or images [n, H, W] / [n, C, H, W] flattened (the sample shape
// records them). `what` names the argument in errors ("X: expected ..."). Checks every value is
// finite (ValueError naming the first bad row) and, when `width` >= 0, that D == width.
data::Dataset rows_from_array(const FloatArray& X, const std::string& what, int64_t width = -1);

// The same checks without the copy: X's rows read in place (valid while X lives).
struct RowsView {
  const float* data = nullptr;
  int64_t n = 0, features = 0;
  std::vector<int64_t> sample_shape;
};
RowsView view_rows(const FloatArray& X, const std::string& what, int64_t width = -1);

// A float32 array of `shape` owning `v` (moved).
pyb::array_t<float> to_array(std::vector<float>&& v, std::vector<int64_t> shape);
pyb::array_t<double> to_array(std::vector<double>&& v, std::vector<int64_t> shape);
pyb::array_t<int32_t> to_array(std::vector<int32_t>&& v, std::vector<int64_t> shape);

}  // namespace hg::py
