#include "engine/optim/optimizer.h"

#include <cmath>

#include "engine/ops/backend.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/ops.h"
#include "engine/util/error.h"

namespace hg::optim {

void Optimizer::zero_grad() {
  for (auto& [name, p] : params_) p.zero_grad();
}

namespace {

// One state slot per parameter, created lazily with zeros.
struct Slots {
  std::vector<Tensor> t;
  void ensure(size_t n, const nn::NamedTensors& params) {
    if (t.size() == n) return;
    t.clear();
    for (auto& [name, p] : params) t.push_back(Tensor::zeros(p.shape(), p.device()));
  }
};

class Sgd : public Optimizer {
 public:
  Sgd(nn::NamedTensors params, const OptimizerConfig& c) : Optimizer(std::move(params)), c_(c) {
    lr_ = c.lr;
    wd_ = c.weight_decay < 0 ? 0.0f : c.weight_decay;
  }
  void step() override {
    ++step_;
    if (c_.momentum != 0.0f) buf_.ensure(params_.size(), params_);
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor& p = params_[i].second;
      Tensor g = p.grad();
      if (!g.defined()) continue;
      float* v = c_.momentum != 0.0f ? buf_.t[i].data() : nullptr;
      ops::dk::sgd_step(p.device(), p.data(), g.data(), v, p.numel(), lr_, c_.momentum, wd_,
                        c_.nesterov, step_ == 1);
    }
  }
  nn::NamedTensors state() const override {
    nn::NamedTensors s;
    for (size_t i = 0; i < buf_.t.size(); ++i)
      s.emplace_back("momentum." + params_[i].first, buf_.t[i]);
    return s;
  }
  void load_state(const std::map<std::string, Tensor>& st, int64_t step) override {
    step_ = step;
    if (c_.momentum == 0.0f) return;
    buf_.ensure(params_.size(), params_);
    for (size_t i = 0; i < params_.size(); ++i) {
      auto it = st.find("momentum." + params_[i].first);
      if (it != st.end()) buf_.t[i].copy_from(it->second);
    }
  }

 private:
  OptimizerConfig c_;
  float wd_;
  Slots buf_;
};

class Adam : public Optimizer {
 public:
  Adam(nn::NamedTensors params, const OptimizerConfig& c, bool decoupled)
      : Optimizer(std::move(params)), c_(c), decoupled_(decoupled) {
    lr_ = c.lr;
    wd_ = c.weight_decay >= 0 ? c.weight_decay : (decoupled ? 0.01f : 0.0f);
  }
  void step() override {
    ++step_;
    m_.ensure(params_.size(), params_);
    v_.ensure(params_.size(), params_);
    if (step_dev_) {
      ops::backend_for(step_dev_->device(), "adam")
          .adam_advance(static_cast<double*>(step_dev_->data()), scalars_.data(), lr_, c_.beta1,
                        c_.beta2);
    }
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor& p = params_[i].second;
      Tensor g = p.grad();
      if (!g.defined()) continue;
      ops::Backend& be = ops::backend_for(p.device(), "adam");
      const Device dev = p.device();
      if (step_dev_)
        be.adam_step_dev(p.data(), g.data(), m_.t[i].data(), v_.t[i].data(), p.numel(), lr_,
                         c_.beta1, c_.beta2, c_.eps, wd_, decoupled_, scalars_.data());
      else
        ops::dk::adam_step(dev, p.data(), g.data(), m_.t[i].data(), v_.t[i].data(), p.numel(), lr_,
                           c_.beta1, c_.beta2, c_.eps, wd_, decoupled_, step_);
    }
  }
  void set_device_step(bool on) override {
    step_dev_.reset();
    scalars_ = Tensor();
    if (!on || params_.empty()) return;
    const Device d = params_.front().second.device();
    step_dev_ = std::make_shared<Storage>(sizeof(double), d);
    const double s = static_cast<double>(step_);
    copy_memory(step_dev_->data(), d, &s, Device::cpu(), sizeof(double));
    scalars_ = Tensor::zeros({2}, d);
  }
  nn::NamedTensors state() const override {
    nn::NamedTensors s;
    for (size_t i = 0; i < m_.t.size(); ++i) {
      s.emplace_back("exp_avg." + params_[i].first, m_.t[i]);
      s.emplace_back("exp_avg_sq." + params_[i].first, v_.t[i]);
    }
    return s;
  }
  void load_state(const std::map<std::string, Tensor>& st, int64_t step) override {
    step_ = step;
    m_.ensure(params_.size(), params_);
    v_.ensure(params_.size(), params_);
    for (size_t i = 0; i < params_.size(); ++i) {
      auto a = st.find("exp_avg." + params_[i].first);
      auto b = st.find("exp_avg_sq." + params_[i].first);
      if (a == st.end() || b == st.end())
        throw Error("optimizer state has no moments for parameter " + params_[i].first);
      m_.t[i].copy_from(a->second);
      v_.t[i].copy_from(b->second);
    }
  }

 private:
  OptimizerConfig c_;
  bool decoupled_;
  float wd_;
  Slots m_, v_;
  std::shared_ptr<Storage> step_dev_;  // device step count (set_device_step)
  Tensor scalars_;                     // [step size, 1/sqrt(bias correction 2)] on the device
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& cfg, nn::NamedTensors params) {
  if (!(cfg.lr > 0.0f) || !std::isfinite(cfg.lr))
    throw UsageError("--lr must be a positive number, got " + std::to_string(cfg.lr));
  if (cfg.name == "adam") return std::make_unique<Adam>(std::move(params), cfg, false);
  if (cfg.name == "adamw") return std::make_unique<Adam>(std::move(params), cfg, true);
  if (cfg.name == "sgd") return std::make_unique<Sgd>(std::move(params), cfg);
  throw UsageError("--optimizer: unknown optimizer '" + cfg.name +
                   "' (expected adam, adamw or sgd)");
}

double clip_grad_norm(const nn::NamedTensors& params, double max_norm) {
  // Per-parameter squared norms land in one device vector; the host reads it once per call.
  std::vector<Tensor> grads;
  for (auto& [name, p] : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  const Device dev = grads.front().device();
  Tensor partial = Tensor::empty({static_cast<int64_t>(grads.size())}, dev);
  ops::Backend& be = ops::backend_for(dev, "clip_grad_norm");
  for (size_t i = 0; i < grads.size(); ++i)
    be.sum_squares(grads[i].data(), grads[i].numel(), partial.data() + i);
  double sq = 0.0;
  for (float v : partial.to(Device::cpu()).to_vector()) sq += v;
  const double norm = std::sqrt(sq);
  if (max_norm > 0.0 && norm > max_norm) {
    const float s = static_cast<float>(max_norm / (norm + 1e-6));
    for (auto& [name, p] : params) {
      Tensor g = p.grad();
      if (g.defined()) ops::scale_(g, s);
    }
  }
  return norm;
}

}  // namespace hg::optim
