#include "engine/data/loader.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "engine/util/error.h"

namespace hg::data {

Loader::Loader(const Dataset& d, int64_t batch_size, bool shuffle, uint64_t seed, bool drop_last)
    : d_(&d), batch_size_(batch_size), shuffle_(shuffle), drop_last_(drop_last), rng_(seed) {
  if (batch_size < 1)
    throw UsageError("--batch: batch size must be at least 1 (got " + std::to_string(batch_size) +
                     ")");
  order_.resize(static_cast<size_t>(d.n));
}

int64_t Loader::batches_per_epoch() const {
  return drop_last_ ? d_->n / batch_size_ : (d_->n + batch_size_ - 1) / batch_size_;
}

void Loader::start_epoch() {
  order_.resize(static_cast<size_t>(d_->n));  // the dataset may have been refilled
  std::iota(order_.begin(), order_.end(), int64_t{0});
  if (shuffle_) rng_.shuffle(order_);
  pos_ = 0;
  started_ = true;
}

bool Loader::next(Batch& b) {
  if (!started_) start_epoch();
  const int64_t n = static_cast<int64_t>(order_.size());
  const int64_t rows = std::min(batch_size_, n - pos_);
  if (rows <= 0 || (drop_last_ && rows < batch_size_)) {
    b.rows = 0;
    return false;
  }
  const int64_t f = d_->features();
  b.rows = rows;
  b.x.resize(static_cast<size_t>(rows * f));
  b.index.resize(static_cast<size_t>(rows));
  b.y.resize(d_->has_labels() ? static_cast<size_t>(rows) : 0);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t r = order_[pos_ + i];
    b.index[i] = r;
    std::memcpy(b.x.data() + i * f, d_->x.data() + r * f, sizeof(float) * f);
    if (d_->has_labels()) b.y[i] = d_->y[r];
  }
  pos_ += rows;
  return true;
}

}  // namespace hg::data
