// Optimizers over a model's named parameters, with PyTorch's update rules (see
// kernels/cpu/optim.h for the exact formulas). State (momentum, Adam moments, step count) can be
// exported and restored so that --resume continues exactly where a run stopped.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "engine/nn/module.h"

namespace hg::optim {

struct OptimizerConfig {
  std::string name = "adam";  // adam | adamw | sgd
  float lr = 1e-3f;
  float momentum = 0.9f;                            // sgd
  bool nesterov = false;                            // sgd
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;  // adam, adamw
  float weight_decay = -1.0f;  // < 0: the optimizer's default (0 for adam and sgd, 0.01 for adamw)
};

class Optimizer {
 public:
  explicit Optimizer(nn::NamedTensors params) : params_(std::move(params)) {}
  virtual ~Optimizer() = default;
  virtual void step() = 0;  // parameters without a gradient are skipped
  void zero_grad();
  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }
  int64_t steps() const { return step_; }

  // State tensors keyed "<slot>.<param name>" (e.g. "exp_avg.encoder.0.weight"), plus the step.
  virtual nn::NamedTensors state() const = 0;
  virtual void load_state(const std::map<std::string, Tensor>& state, int64_t step) = 0;

  // CUDA-graph support. A replayed graph re-runs its kernels with the arguments they were captured
  // with, so nothing that changes from step to step may be a kernel argument. With device_step on,
  // Adam keeps its step count on the parameters' device too and its updates read the bias
  // corrections from there (SGD needs nothing). replayed(k): a captured step() ran k more times,
  // so the host's step count (saved in the optimizer state) catches up.
  virtual void set_device_step(bool on) { (void)on; }
  void replayed(int64_t k = 1) { step_ += k; }

 protected:
  nn::NamedTensors params_;
  float lr_ = 1e-3f;
  int64_t step_ = 0;
};

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& cfg, nn::NamedTensors params);

// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm before.
double clip_grad_norm(const nn::NamedTensors& params, double max_norm);

}  // namespace hg::optim
