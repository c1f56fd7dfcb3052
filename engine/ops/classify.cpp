// Classification ops: softmax_cross_entropy (fused: one row pass forward, one backward), softmax
// and argmax_rows. Labels are checked on the host and copied to the logits' device once per call;
// device int32 arrays live in float Tensors of the same element count (4-byte elements), as the
// maxpool argmax does, so the allocator and the autograd closures manage them like any tensor.
#include <limits>
#include <string>

#include "engine/autograd/autograd.h"
#include "engine/ops/backend.h"
#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

using detail::check_2d;
using detail::check_defined;

namespace {

static_assert(sizeof(int32_t) == sizeof(float), "int32 arrays are stored in float tensors");

const int32_t* as_i32(const Tensor& t) { return reinterpret_cast<const int32_t*>(t.data()); }

void check_columns_fit_int32(const char* op, const Tensor& x) {
  if (x.size(1) > std::numeric_limits<int32_t>::max())
    throw Error(std::string(op) + ": " + std::to_string(x.size(1)) +
                " columns do not fit int32 class indices");
}

}  // namespace

Tensor softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels) {
  const char* op = "softmax_cross_entropy";
  check_defined(op, logits, "logits");
  check_2d(op, logits, "logits");
  const int64_t B = logits.size(0), C = logits.size(1);
  if (B == 0)
    throw Error(std::string(op) + ": empty batch (logits " + shape_str(logits.shape()) + ")");
  if (C == 0)
    throw Error(std::string(op) + ": logits " + shape_str(logits.shape()) + " have no classes");
  check_columns_fit_int32(op, logits);
  if (static_cast<int64_t>(labels.size()) != B)
    throw Error(std::string(op) + ": " + std::to_string(labels.size()) + " labels for logits " +
                shape_str(logits.shape()));
  for (int64_t b = 0; b < B; ++b) {
    const int32_t l = labels[static_cast<size_t>(b)];
    if (l < 0 || l >= C)
      throw Error(std::string(op) + ": label " + std::to_string(l) + " of row " +
                  std::to_string(b) + " is outside [0, " + std::to_string(C) + ")");
  }
  const Device dev = logits.device();
  Backend& be = backend_for(dev, op);

  Tensor lab = Tensor::empty({B}, dev);  // int32 class indices (see the file head)
  copy_memory(lab.data(), dev, labels.data(), Device::cpu(),
              static_cast<size_t>(B) * sizeof(int32_t));
  Tensor loss_row = Tensor::empty({B}, dev);
  Tensor stats = Tensor::empty({B, 2}, dev);  // {row max, sum exp(z - max)} per row
  dk::softmax_ce_forward(dev, logits.data(), as_i32(lab), loss_row.data(), stats.data(), B, C);
  Tensor loss = Tensor::empty({}, dev);
  be.sum(loss_row.data(), B, 1.0f / static_cast<float>(B), loss.data());

  Tensor z = logits.detach();
  autograd::record(
      loss, op, {logits}, [z, lab, stats, B, C, &be](const Tensor& g) -> std::vector<Tensor> {
        Tensor dz = Tensor::empty({B, C}, z.device());
        be.softmax_ce_backward(z.data(), as_i32(lab), stats.data(), g.data(), dz.data(), B, C);
        return {dz};
      });
  return loss;
}

Tensor softmax(const Tensor& logits) {
  const char* op = "softmax";
  check_defined(op, logits, "logits");
  check_2d(op, logits, "logits");
  const int64_t B = logits.size(0), C = logits.size(1);
  const Device dev = logits.device();
  Tensor y = Tensor::empty({B, C}, logits.device());
  dk::softmax_rows(dev, logits.data(), y.data(), B, C);
  Tensor ys = y.detach();  // the backward needs only the output
  autograd::record(y, op, {logits}, [ys, B, C, dev](const Tensor& g) -> std::vector<Tensor> {
    Tensor dz = Tensor::empty({B, C}, g.device());
    dk::softmax_rows_backward(dev, ys.data(), g.data(), dz.data(), B, C);
    return {dz};
  });
  return y;
}

std::vector<int32_t> argmax_rows(const Tensor& x) {
  const char* op = "argmax_rows";
  check_defined(op, x, "input");
  check_2d(op, x, "input");
  const int64_t B = x.size(0), C = x.size(1);
  if (B == 0) return {};
  if (C == 0) throw Error(std::string(op) + ": input " + shape_str(x.shape()) + " has no columns");
  check_columns_fit_int32(op, x);
  const Device dev = x.device();
  Tensor idx = Tensor::empty({B}, x.device());  // int32 indices
  dk::argmax_rows(dev, x.data(), reinterpret_cast<int32_t*>(idx.data()), B, C);
  std::vector<int32_t> out(static_cast<size_t>(B));
  copy_memory(out.data(), Device::cpu(), idx.data(), x.device(),
              static_cast<size_t>(B) * sizeof(int32_t));
  return out;
}

}  // namespace hg::ops
