// Data parallelism's two operations on a model, over the process group of comm.h (the shape of
// PyTorch's DistributedDataParallel, written out): the parameters start equal on every rank
// (broadcast from rank 0), and after each backward every rank's gradients are replaced by their
// weighted sum over the ranks, so every rank then takes the same optimizer step.
//
// The gradients travel in buckets: each bucket is the gradients of consecutive parameters packed
// into one host buffer of at most `bucket_bytes`, reduced in one collective (few large messages
// instead of one per tensor). GPU gradients are staged through host memory here (NCCL, which
// would reduce them in place on the GPU, is not wired in yet).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/nn/module.h"

namespace hg::dist {

class GradientAverager {
 public:
  explicit GradientAverager(nn::NamedTensors params, int64_t bucket_bytes = 4 << 20);

  // grad <- sum over ranks of weight_r * grad_r, for every parameter with a gradient; weight is
  // this rank's share of the global batch (its rows / the batch's rows), so a loss that is a mean
  // over each rank's rows becomes the mean over the global batch. `stop` (this rank saw Ctrl-C)
  // travels in the same message; returns whether any rank saw it.
  bool average(float weight, bool stop);

  double wait_seconds() const { return wait_seconds_; }  // time spent in the collectives
  int64_t bytes_per_step() const { return bytes_; }      // gradient bytes each step reduces

 private:
  nn::NamedTensors params_;
  // Each bucket: parameters [first, second) of params_, consecutive, at most bucket_bytes together
  // (a larger tensor goes alone). Fixed at construction: the same cut every step.
  std::vector<std::pair<size_t, size_t>> buckets_;
  int64_t bytes_ = 0;
  std::vector<float> buf_;
  double wait_seconds_ = 0;
};

// Rank 0's values of `tensors` (parameters and buffers) copied to every rank.
void broadcast_tensors(const nn::NamedTensors& tensors);

}  // namespace hg::dist
