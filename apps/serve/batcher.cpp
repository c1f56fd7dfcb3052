#include "apps/serve/batcher.h"

#include <algorithm>

#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::serve {

Batcher::Batcher(BatchModel& model, int64_t max_batch, std::chrono::microseconds max_wait)
    : model_(model), max_batch_(std::max<int64_t>(1, max_batch)), max_wait_(max_wait) {
  thread_ = std::thread([this] { loop(); });
}

Batcher::~Batcher() { stop(); }

void Batcher::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

BatchStats Batcher::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  return stats_;
}

std::future<Reply> Batcher::submit(Kind kind, std::vector<float> x, int64_t n) {
  Job job;
  job.x = std::move(x);
  job.n = n;
  job.arrived = std::chrono::steady_clock::now();
  std::future<Reply> f = job.reply.get_future();
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_) {
      job.reply.set_exception(std::make_exception_ptr(Error("the server is shutting down")));
      return f;
    }
    const int k = static_cast<int>(kind);
    queued_rows_[k] += n;
    queue_[k].push_back(std::move(job));
  }
  cv_.notify_one();
  return f;
}

// Waits for work, then for the batch to fill or its time to run out; false once stopped and
// drained.
bool Batcher::take_batch(std::vector<Job>& batch, Kind& kind) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return stopping_ || !queue_[0].empty() || !queue_[1].empty(); });
  if (queue_[0].empty() && queue_[1].empty()) return false;
  // The kind whose oldest request has waited longest goes first.
  int k = queue_[0].empty() ? 1 : 0;
  if (!queue_[0].empty() && !queue_[1].empty() &&
      queue_[1].front().arrived < queue_[0].front().arrived)
    k = 1;
  kind = static_cast<Kind>(k);
  std::deque<Job>& q = queue_[k];
  const auto deadline = q.front().arrived + max_wait_;
  cv_.wait_until(lk, deadline, [&] { return stopping_ || queued_rows_[k] >= max_batch_; });
  int64_t rows = 0;
  while (!q.empty() && (batch.empty() || rows + q.front().n <= max_batch_)) {
    rows += q.front().n;
    batch.push_back(std::move(q.front()));
    q.pop_front();
  }
  queued_rows_[k] -= rows;
  stats_.requests += static_cast<int64_t>(batch.size());
  stats_.rows += rows;
  stats_.batches += 1;
  stats_.largest_batch = std::max(stats_.largest_batch, rows);
  return true;
}

void Batcher::loop() {
  std::vector<Job> batch;
  Kind kind = Kind::Score;
  while (take_batch(batch, kind)) {
    run_batch(kind, batch);
    batch.clear();
  }
}

Reply Batcher::call_model(Kind kind, const std::vector<float>& x, int64_t n) {
  for (int waited_ms = 0;; waited_ms += 5) {
    try {
      Reply r;
      if (kind == Kind::Score)
        r.scores = model_.score(x, n);
      else
        r.recon = model_.reconstruct(x, n);
      return r;
    } catch (const interrupt::Interrupted&) {
      // A signal arrived: the server clears it while it drains; run the batch again then.
      if (waited_ms >= 5000) throw;
      while (interrupt::requested() && waited_ms < 5000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        waited_ms += 5;
      }
    }
  }
}

void Batcher::run_batch(Kind kind, std::vector<Job>& batch) {
  const int64_t D = model_.features();
  std::vector<Reply> replies(batch.size());
  try {
    int64_t n = 0;
    for (const Job& j : batch) n += j.n;
    std::vector<float> joined;
    if (batch.size() > 1) {
      joined.reserve(static_cast<size_t>(n * D));
      for (const Job& j : batch) joined.insert(joined.end(), j.x.begin(), j.x.end());
    }
    Reply all = call_model(kind, batch.size() > 1 ? joined : batch.front().x, n);
    const size_t want = static_cast<size_t>(kind == Kind::Score ? n : n * D);
    if ((kind == Kind::Score ? all.scores.size() : all.recon.size()) != want)
      throw Error("serve: the model answered " + std::to_string(n) + " rows with the wrong size");
    int64_t off = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      const int64_t m = batch[i].n;
      if (kind == Kind::Score)
        replies[i].scores.assign(all.scores.begin() + off, all.scores.begin() + off + m);
      else
        replies[i].recon.assign(all.recon.begin() + off * D, all.recon.begin() + (off + m) * D);
      off += m;
    }
  } catch (...) {
    const std::exception_ptr e = std::current_exception();
    for (Job& j : batch) j.reply.set_exception(e);
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].reply.set_value(std::move(replies[i]));
}

}  // namespace hg::serve
