// Reverse-mode automatic differentiation over the graph that ops record.
// Contract: ops call record() on their output; backward() runs every recorded node once, in
// reverse topological order, accumulates leaf gradients into Tensor::grad(), and then frees the
// graph (a second backward through the same graph is an error, as without retain_graph).
#pragma once
#include <functional>
#include <vector>

#include "engine/autograd/node.h"

namespace hg::autograd {

bool grad_enabled();

// While alive, ops record nothing (inference, optimizer updates). Nests.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad mode is on and any of the tensors requires grad.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Attach a node to `out` when any_requires_grad(inputs); otherwise does nothing.
void record(Tensor& out, const char* name, std::vector<Tensor> inputs,
            std::function<std::vector<Tensor>(const Tensor&)> backward);

// Backpropagate from `root`. With no `grad`, root must have one element and dL/droot = 1.
void backward(const Tensor& root, const Tensor& grad = Tensor());

}  // namespace hg::autograd
