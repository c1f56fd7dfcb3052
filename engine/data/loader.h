// Mini-batch iteration over a Dataset, optionally shuffled with a seeded, reproducible order.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/util/rng.h"

namespace hg::data {

// One mini-batch: rows samples copied out of the dataset. x is [rows, features] row-major, y has
// rows labels (empty when the dataset has none), index[i] is the dataset row of sample i.
// The vectors are resized, never shrunk, so a reused Batch stops allocating after the first.
struct Batch {
  int64_t rows = 0;
  std::vector<float> x;
  std::vector<int32_t> y;
  std::vector<int64_t> index;
};

// Iterates a Dataset in batches of batch_size (the last one smaller unless drop_last). The
// dataset is borrowed and must outlive the loader. Each start_epoch() draws the next permutation
// from the loader's own Rng(seed) (identity order when !shuffle), so epoch k's order depends only
// on the seed. next() before any start_epoch() starts the first epoch.
class Loader {
 public:
  Loader(const Dataset& d, int64_t batch_size, bool shuffle, uint64_t seed, bool drop_last = false);

  int64_t batches_per_epoch() const;
  void start_epoch();
  bool next(Batch& b);  // fills b; false at the end of the epoch

 private:
  const Dataset* d_;
  int64_t batch_size_;
  bool shuffle_, drop_last_;
  Rng rng_;
  std::vector<int64_t> order_;
  int64_t pos_ = 0;
  bool started_ = false;
};

}  // namespace hg::data
