// Helpers every op uses: argument checks and the device switch. Private to engine/ops.
#pragma once
#include <string>
#include <vector>

#include "engine/tensor/tensor.h"
#include "engine/util/error.h"

namespace hg::ops::detail {

inline void check_defined(const char* op, const Tensor& t, const char* what) {
  if (!t.defined()) throw Error(std::string(op) + ": " + what + " is undefined");
}

inline void check_same_device(const char* op, const std::vector<Tensor>& ts) {
  for (const Tensor& t : ts)
    if (t.defined() && t.device() != ts[0].device())
      throw Error(std::string(op) + ": tensors on different devices (" + ts[0].device().str() +
                  " and " + t.device().str() + ")");
}

inline void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw Error(std::string(op) + ": shapes differ: " + shape_str(a.shape()) + " vs " +
                shape_str(b.shape()));
}

inline void check_2d(const char* op, const Tensor& t, const char* what) {
  if (t.ndim() != 2)
    throw Error(std::string(op) + ": " + what + " must be 2-D, got shape " + shape_str(t.shape()));
}

}  // namespace hg::ops::detail
