// Losses (mean reduction) and the fused per-sample reconstruction error. The forward of each loss
// is one pass over prediction and target; the backward is another, producing d/dprediction.
#include "engine/autograd/autograd.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"
#include "kernels/cpu/loss.h"

namespace hg::ops {

namespace kc = kernels::cpu;

namespace {

using ForwardFn = double (*)(const float*, const float*, int64_t);
using BackwardFn = void (*)(const float*, const float*, float, float*, int64_t);

Tensor pointwise_loss(const char* op, const Tensor& pred, const Tensor& target, ForwardFn fwd,
                      BackwardFn bwd) {
  detail::check_defined(op, pred, "prediction");
  detail::check_defined(op, target, "target");
  detail::check_same_shape(op, pred, target);
  detail::check_same_device(op, {pred, target});
  if (!pred.device().is_cpu()) detail::no_cuda(op);
  Tensor loss = Tensor::scalar(static_cast<float>(fwd(pred.data(), target.data(), pred.numel())),
                               pred.device());
  Tensor t = target.detach();
  autograd::record(loss, op, {pred}, [pred, t, bwd](const Tensor& g) -> std::vector<Tensor> {
    Tensor dp = Tensor::empty(pred.shape(), pred.device());
    bwd(pred.data(), t.data(), g.item(), dp.data(), pred.numel());
    return {dp};
  });
  return loss;
}

}  // namespace

Tensor mse_loss(const Tensor& pred, const Tensor& target) {
  return pointwise_loss("mse_loss", pred, target, kc::mse_forward, kc::mse_backward);
}
Tensor bce_loss(const Tensor& prob, const Tensor& target) {
  return pointwise_loss("bce_loss", prob, target, kc::bce_forward, kc::bce_backward);
}
Tensor bce_with_logits(const Tensor& logits, const Tensor& target) {
  return pointwise_loss("bce_with_logits", logits, target, kc::bce_logits_forward,
                        kc::bce_logits_backward);
}

ReconError recon_error(const Tensor& x, const Tensor& r, ReconKind kind, bool per_feature) {
  const char* op = "recon_error";
  detail::check_defined(op, x, "input");
  detail::check_defined(op, r, "reconstruction");
  detail::check_2d(op, x, "input");
  detail::check_same_shape(op, x, r);
  detail::check_same_device(op, {x, r});
  if (!x.device().is_cpu()) detail::no_cuda(op);
  const int64_t B = x.size(0), D = x.size(1);
  ReconError out;
  out.row = Tensor::empty({B}, x.device());
  if (per_feature) out.feat = Tensor::empty({B, D}, x.device());
  kc::recon_error(kind, x.data(), r.data(), out.row.data(), per_feature ? out.feat.data() : nullptr,
                  B, D);
  Tensor xs = x.detach();
  autograd::record(out.row, op, {r}, [xs, r, kind, B, D](const Tensor& g) -> std::vector<Tensor> {
    Tensor dr = Tensor::empty({B, D}, r.device());
    kc::recon_error_backward(kind, xs.data(), r.data(), g.data(), dr.data(), B, D);
    return {dr};
  });
  return out;
}

}  // namespace hg::ops
