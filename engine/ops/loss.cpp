// Losses (mean reduction) and the fused per-sample reconstruction error. The forward of each loss
// is one pass over prediction and target; the backward is another, producing d/dprediction.
#include "engine/autograd/autograd.h"
#include "engine/ops/backend.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

namespace {

Tensor pointwise_loss(const char* op, const Tensor& pred, const Tensor& target, ReconKind kind) {
  detail::check_defined(op, pred, "prediction");
  detail::check_defined(op, target, "target");
  detail::check_same_shape(op, pred, target);
  detail::check_same_device(op, {pred, target});
  Backend& be = backend_for(pred.device(), op);
  Tensor loss = Tensor::empty({}, pred.device());
  be.loss_forward(kind, pred.data(), target.data(), pred.numel(), loss.data());
  Tensor t = target.detach();
  autograd::record(loss, op, {pred}, [pred, t, kind, &be](const Tensor& g) -> std::vector<Tensor> {
    Tensor dp = Tensor::empty(pred.shape(), pred.device());
    be.loss_backward(kind, pred.data(), t.data(), g.data(), dp.data(), pred.numel());
    return {dp};
  });
  return loss;
}

}  // namespace

Tensor mse_loss(const Tensor& pred, const Tensor& target) {
  return pointwise_loss("mse_loss", pred, target, ReconKind::MSE);
}
Tensor bce_loss(const Tensor& prob, const Tensor& target) {
  return pointwise_loss("bce_loss", prob, target, ReconKind::BCE);
}
Tensor bce_with_logits(const Tensor& logits, const Tensor& target) {
  return pointwise_loss("bce_with_logits", logits, target, ReconKind::BCELogits);
}

ReconError recon_error(const Tensor& x, const Tensor& r, ReconKind kind, bool per_feature) {
  const char* op = "recon_error";
  detail::check_defined(op, x, "input");
  detail::check_defined(op, r, "reconstruction");
  detail::check_2d(op, x, "input");
  detail::check_same_shape(op, x, r);
  detail::check_same_device(op, {x, r});
  const Device dev = x.device();
  const int64_t B = x.size(0), D = x.size(1);
  ReconError out;
  out.row = Tensor::empty({B}, x.device());
  if (per_feature) out.feat = Tensor::empty({B, D}, x.device());
  dk::recon_error(dev, kind, x.data(), r.data(), out.row.data(),
                  per_feature ? out.feat.data() : nullptr, B, D);
  Tensor xs = x.detach();
  autograd::record(
      out.row, op, {r}, [xs, r, kind, B, D, dev](const Tensor& g) -> std::vector<Tensor> {
        Tensor dr = Tensor::empty({B, D}, r.device());
        dk::recon_error_backward(dev, kind, xs.data(), r.data(), g.data(), dr.data(), B, D);
        return {dr};
      });
  return out;
}

}  // namespace hg::ops
