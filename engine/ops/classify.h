// Classification ops: row softmax, the fused softmax cross-entropy loss and row argmax (the
// classifier head of the transfer-learning application). Included from engine/ops/ops.h. Like
// every op: arguments and devices are checked (hg::Error, one line naming the op), the kernel of
// the logits' device runs through backend_for() (kernels/cpu/softmax_ce.h and its CUDA twin), and
// the backward is recorded on the autograd tape when the logits require grad.
//
// Labels: class indices are integers, so they are a host std::vector<int32_t>, not a float tensor:
// the indices stay exact for any class count, the range check costs no device round trip (the op
// reads them on the host before anything is enqueued), and the op copies them to the logits'
// device itself (one B * 4-byte copy per call, kept alive by the backward). Data loaders already
// hold labels on the host. That copy waits for the logits' stream (copy_memory synchronises), so
// a step using this op cannot be captured as a CUDA graph.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor/tensor.h"

namespace hg::ops {

// Mean over the batch of -log softmax(logits)[b, labels[b]], a scalar (shape []). logits [B, C],
// labels B integers in [0, C). Computed stably: per row m = max, lse = m + log sum exp(z - m)
// (logits of +-1000 are fine; they must be finite). Differentiable w.r.t. logits:
// d/dlogits = (softmax(logits) - onehot(labels)) / B, the softmax rebuilt in the backward from the
// logits and two saved floats per row (no [B, C] probabilities are kept).
// hg::Error when logits are not 2-D, B == 0, C == 0, labels.size() != B, or a label is outside
// [0, C) (the message names the row and the label).
Tensor softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels);

// [B, C] -> [B, C], each row exp(z - max) / sum exp(z - max) (rows sum to 1). Differentiable:
// dz = y * (g - rowsum(g * y)). logits must be 2-D (B == 0 gives an empty result).
Tensor softmax(const Tensor& logits);

// The predicted class of every row of x [B, C] on the host (B values, copied back from the device):
// the first column of the row maximum; a NaN counts as larger than every number (first NaN wins).
// Never recorded. hg::Error when x is not 2-D or C == 0 with B > 0.
std::vector<int32_t> argmax_rows(const Tensor& x);

}  // namespace hg::ops
