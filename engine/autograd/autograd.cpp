#include "engine/autograd/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "engine/ops/ops.h"
#include "engine/util/error.h"

namespace hg::autograd {
namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }

NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(Tensor& out, const char* name, std::vector<Tensor> inputs,
            std::function<std::vector<Tensor>(const Tensor&)> backward) {
  if (!any_requires_grad(inputs)) return;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
}

namespace {

// Adds g into slot (creating it on first use). The first gradient is copied so that later
// in-place accumulation never writes into a tensor an op handed out.
void accumulate(std::shared_ptr<TensorImpl>& slot, const Tensor& g) {
  if (!slot) {
    slot = g.clone().impl_ptr();
    return;
  }
  Tensor acc(slot);
  if (acc.shape() != g.shape())
    throw Error("autograd: gradient shape " + shape_str(g.shape()) + " does not match " +
                shape_str(acc.shape()));
  ops::add_(acc, g);
}

}  // namespace

void backward(const Tensor& root, const Tensor& grad) {
  if (!root.defined()) throw Error("backward() on an undefined tensor");
  if (!root.requires_grad()) throw Error("backward(): the tensor does not require grad");
  Tensor seed = grad;
  if (!seed.defined()) {
    if (root.numel() != 1)
      throw Error("backward() without a gradient needs a one-element tensor, got shape " +
                  shape_str(root.shape()));
    seed = Tensor::full(root.shape(), 1.0f, root.device());
  }
  NoGradGuard no_grad;  // gradients themselves are not differentiated

  // Iterative DFS for a topological order over tensors that have a grad_fn. Shared pointers keep
  // every visited tensor alive until the graph has been freed below.
  std::vector<std::shared_ptr<TensorImpl>> order;
  std::unordered_set<TensorImpl*> visited;
  std::vector<std::pair<std::shared_ptr<TensorImpl>, size_t>> stack;
  if (root.grad_fn()) {
    stack.push_back({root.impl_ptr(), 0});
    visited.insert(root.impl());
  } else {
    accumulate(root.impl()->grad, seed);  // a leaf: its gradient is the seed itself
    return;
  }
  while (!stack.empty()) {
    auto& [t, next] = stack.back();
    const auto& inputs = t->grad_fn->inputs;
    if (next < inputs.size()) {
      const Tensor& in = inputs[next++];
      if (in.defined() && in.grad_fn() && !visited.count(in.impl())) {
        visited.insert(in.impl());
        stack.push_back({in.impl_ptr(), 0});
      }
    } else {
      order.push_back(t);
      stack.pop_back();
    }
  }

  std::unordered_map<TensorImpl*, std::shared_ptr<TensorImpl>> grads;
  grads[root.impl()] = seed.impl_ptr();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    TensorImpl* t = it->get();
    auto found = grads.find(t);
    if (found == grads.end()) continue;  // no gradient reached this tensor
    Tensor g(found->second);
    grads.erase(found);
    const Node& node = *t->grad_fn;
    std::vector<Tensor> in_grads = node.backward(g);
    if (in_grads.size() != node.inputs.size())
      throw Error(std::string("autograd: backward of ") + node.name + " returned " +
                  std::to_string(in_grads.size()) + " gradients for " +
                  std::to_string(node.inputs.size()) + " inputs");
    for (size_t i = 0; i < in_grads.size(); ++i) {
      const Tensor& in = node.inputs[i];
      if (!in.defined() || !in.requires_grad() || !in_grads[i].defined()) continue;
      if (in.numel() != in_grads[i].numel())
        throw Error(std::string("autograd: backward of ") + node.name +
                    " gave a gradient of shape " + shape_str(in_grads[i].shape()) +
                    " for an input of shape " + shape_str(in.shape()));
      if (in.grad_fn())
        accumulate(grads[in.impl()], in_grads[i]);
      else
        accumulate(in.impl()->grad, in_grads[i]);
    }
  }
  // Free the graph: intermediate tensors forget how they were made (no retain_graph).
  for (auto& t : order) t->grad_fn.reset();
}

}  // namespace hg::autograd
