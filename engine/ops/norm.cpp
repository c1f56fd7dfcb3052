// batch_norm and dropout: the ops whose behaviour depends on training mode.
//
// batch_norm in training mode runs the fused kernel (batch statistics, running-stat update, saved
// mean and 1/std for backward). In evaluation mode it is a per-channel affine map
// y = (x - mean) * invstd * gamma + beta with fixed statistics; its backward is written with the
// eval kernel itself: dx = eval(dy; mean 0, beta 0) = dy * invstd * gamma, and
// dgamma = Σ dy * xhat with xhat = eval(x; gamma 1, beta 0), dbeta = Σ dy (sums per channel).
#include <string>

#include "engine/autograd/autograd.h"
#include "engine/ops/conv_ops.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

using detail::check_defined;

namespace {

float* ptr_or_null(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

void check_channel_vector(const Tensor& t, int64_t C, const char* what) {
  if (t.defined() && (t.ndim() != 1 || t.size(0) != C))
    throw Error(std::string("batch_norm: ") + what + " shape " + shape_str(t.shape()) +
                " does not match " + std::to_string(C) + " channels");
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor running_mean,
                  Tensor running_var, bool training, float momentum, float eps) {
  const char* op = "batch_norm";
  check_defined(op, x, "input");
  if (x.ndim() != 4 && x.ndim() != 2)
    throw Error("batch_norm: input must be [N, C, H, W] or [N, C], got shape " +
                shape_str(x.shape()));
  const int64_t N = x.size(0), C = x.size(1), HW = x.ndim() == 4 ? x.size(2) * x.size(3) : 1;
  check_channel_vector(gamma, C, "weight (gamma)");
  check_channel_vector(beta, C, "bias (beta)");
  check_channel_vector(running_mean, C, "running_mean");
  check_channel_vector(running_var, C, "running_var");
  if (running_mean.defined() != running_var.defined())
    throw Error("batch_norm: running_mean and running_var must both be given or both be undefined");
  if (!(eps > 0.0f)) throw Error("batch_norm: eps must be positive, got " + std::to_string(eps));
  if (!(momentum >= 0.0f && momentum <= 1.0f))
    throw Error("batch_norm: momentum must be in [0, 1], got " + std::to_string(momentum));
  if (training && N * HW <= 1)
    throw Error("batch_norm: training needs more than one value per channel, got input shape " +
                shape_str(x.shape()));
  if (!training && !running_mean.defined())
    throw Error("batch_norm: evaluation mode needs running_mean and running_var");
  detail::check_same_device(op, {x, gamma, beta, running_mean, running_var});
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), x.device());

  if (training) {
    Tensor mean = Tensor::empty({C}, x.device()), invstd = Tensor::empty({C}, x.device());
    dk::batchnorm_forward_train(dev, x.data(), y.data(), N, C, HW, ptr_or_null(gamma),
                                ptr_or_null(beta), eps, momentum, ptr_or_null(running_mean),
                                ptr_or_null(running_var), mean.data(), invstd.data());
    autograd::record(y, op, {x, gamma, beta}, [=](const Tensor& g) -> std::vector<Tensor> {
      Tensor dx = Tensor::empty(x.shape(), x.device());
      Tensor dgamma, dbeta;
      if (gamma.defined() && gamma.requires_grad()) dgamma = Tensor::empty({C}, x.device());
      if (beta.defined() && beta.requires_grad()) dbeta = Tensor::empty({C}, x.device());
      dk::batchnorm_backward(dev, x.data(), g.data(), dx.data(), N, C, HW, ptr_or_null(gamma),
                             mean.data(), invstd.data(), ptr_or_null(dgamma), ptr_or_null(dbeta));
      return {x.requires_grad() ? dx : Tensor(), dgamma, dbeta};
    });
    return y;
  }

  dk::batchnorm_forward_eval(dev, x.data(), y.data(), N, C, HW, ptr_or_null(gamma),
                             ptr_or_null(beta), eps, running_mean.data(), running_var.data());
  if (autograd::any_requires_grad({x, gamma, beta})) {
    // Later training steps update the running statistics in place: keep this step's copy.
    Tensor rm = running_mean.clone(), rv = running_var.clone();
    autograd::record(y, op, {x, gamma, beta}, [=](const Tensor& g) -> std::vector<Tensor> {
      Tensor dx, dgamma, dbeta;
      if (x.requires_grad()) {
        Tensor zero = Tensor::zeros({C}, x.device());
        dx = Tensor::empty(x.shape(), x.device());
        dk::batchnorm_forward_eval(dev, g.data(), dx.data(), N, C, HW, ptr_or_null(gamma), nullptr,
                                   eps, zero.data(), rv.data());
      }
      if (gamma.defined() && gamma.requires_grad()) {
        Tensor prod = Tensor::empty(x.shape(), x.device());
        dk::batchnorm_forward_eval(dev, x.data(), prod.data(), N, C, HW, nullptr, nullptr, eps,
                                   rm.data(), rv.data());
        dgamma = detail::channel_sum(mul(prod, g), N, C, HW);
      }
      if (beta.defined() && beta.requires_grad()) dbeta = detail::channel_sum(g, N, C, HW);
      return {dx, dgamma, dbeta};
    });
  }
  return y;
}

Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed) {
  const char* op = "dropout";
  check_defined(op, x, "input");
  if (!(p >= 0.0f && p < 1.0f))
    throw Error("dropout: probability p must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0.0f) return x;
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), x.device());
  Tensor mask = Tensor::empty(x.shape(), x.device());  // 1/(1-p) where kept, 0 where dropped
  dk::dropout_forward(dev, x.data(), y.data(), mask.data(), x.numel(), p, seed);
  autograd::record(y, op, {x},
                   [mask](const Tensor& g) -> std::vector<Tensor> { return {mul(g, mask)}; });
  return y;
}

}  // namespace hg::ops
