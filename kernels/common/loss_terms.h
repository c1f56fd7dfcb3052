// The elementwise terms of the losses and of the fused reconstruction error, e(t, p) for a target
// t and a prediction p, and their derivatives de/dp: one formula each, for kernels/cpu/loss.cpp
// and kernels/cuda/ops (loss.cu, recon_error.cu) alike. Products that feed an add are rounded on
// their own (mul_rn), so the GPU gives the CPU's bits up to libm.
#pragma once
#include <cmath>

#include "kernels/common/activation.h"
#include "kernels/common/host_device.h"

namespace hg::kernels {

constexpr float kBceEps = 1e-7f;  // probabilities are clamped to [eps, 1 - eps]

// The reconstruction error's per-element term: squared error, BCE of a probability, or BCE of a
// logit (the model's output layer has no sigmoid).
enum class ReconKind { MSE, BCE, BCELogits };

namespace lossfn {

// std::min(std::max(p, eps), 1 - eps), NaN rule included (a NaN stays NaN).
HG_HOST_DEVICE float clamp_prob(float p) {
  const float lo = p < kBceEps ? kBceEps : p;
  return 1.0f - kBceEps < lo ? 1.0f - kBceEps : lo;
}

HG_HOST_DEVICE float mse(float t, float p) {
  const float d = p - t;
  return d * d;
}
HG_HOST_DEVICE float mse_d(float t, float p) { return 2.0f * (p - t); }

HG_HOST_DEVICE float bce(float t, float p) {
  const float q = clamp_prob(p);
  return -(mul_rn(t, ::logf(q)) + mul_rn(1.0f - t, ::logf(1.0f - q)));
}
// Zero where p was clamped.
HG_HOST_DEVICE float bce_d(float t, float p) {
  if (p < kBceEps || p > 1.0f - kBceEps) return 0.0f;
  return (p - t) / (p * (1.0f - p));
}

// max(z, 0) - z t + log(1 + e^-|z|): finite for any logit z.
HG_HOST_DEVICE float bce_logits(float t, float z) {
  return (z < 0.0f ? 0.0f : z) - mul_rn(z, t) + ::log1pf(::expf(-::fabsf(z)));
}
HG_HOST_DEVICE float bce_logits_d(float t, float z) { return actfn::sigmoid(z) - t; }

}  // namespace lossfn
}  // namespace hg::kernels
