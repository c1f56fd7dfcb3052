// One recorded operation of the autograd tape: the inputs it read and how to turn the gradient of
// its output into gradients of those inputs (micrograd's closure per op, ggml's node per op).
#pragma once
#include <functional>
#include <vector>

#include "engine/tensor/tensor.h"

namespace hg {

struct Node {
  const char* name = "";
  std::vector<Tensor> inputs;  // the tensors this op read; gradients flow to those requiring grad
  // Given dL/d(output), returns dL/d(inputs[i]) for each i (an undefined Tensor where none flows).
  std::function<std::vector<Tensor>(const Tensor& grad_out)> backward;
};

}  // namespace hg
