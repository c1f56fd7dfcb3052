// Batching across clients. HTTP worker threads submit the rows of their requests; one batcher
// thread collects the queued requests of one kind (score or reconstruct) until they hold
// max_batch rows or max_wait has passed since the oldest arrived, runs them through the model in
// one call, and hands each request its slice of the answer through its std::future. While the
// model runs, new requests queue up, so under load batches fill without waiting.
//
// Threads: submit() may be called from any number of threads; the model is called from the
// batcher thread only (it need not be thread-safe). A request larger than max_batch is run on its
// own, in one call. A model error fails exactly the requests of that batch (their futures
// rethrow it); the batcher keeps going. stop() (and the destructor) answers every request
// already queued, then ends the thread; submit() after stop() fails the request at once.
//
// Signals: the scoring code stops at a safe point once hg::interrupt was requested. The server
// clears the request while it drains (server.h); a batch that met it in between is run again.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "apps/serve/serve_model.h"

namespace hg::serve {

enum class Kind { Score = 0, Reconstruct = 1 };

// One request's answer: its scores (Score) or its reconstructions, n * D (Reconstruct).
struct Reply {
  std::vector<double> scores;
  std::vector<float> recon;
};

struct BatchStats {
  int64_t requests = 0, rows = 0, batches = 0, largest_batch = 0;
};

class Batcher {
 public:
  Batcher(BatchModel& model, int64_t max_batch, std::chrono::microseconds max_wait);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // x holds n rows of model.features() values (already checked).
  std::future<Reply> submit(Kind kind, std::vector<float> x, int64_t n);
  void stop();
  BatchStats stats() const;

 private:
  struct Job {
    std::vector<float> x;
    int64_t n = 0;
    std::chrono::steady_clock::time_point arrived;
    std::promise<Reply> reply;
  };
  void loop();
  bool take_batch(std::vector<Job>& batch, Kind& kind);
  void run_batch(Kind kind, std::vector<Job>& batch);
  Reply call_model(Kind kind, const std::vector<float>& x, int64_t n);

  BatchModel& model_;
  const int64_t max_batch_;
  const std::chrono::microseconds max_wait_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_[2];  // by Kind
  int64_t queued_rows_[2] = {0, 0};
  bool stopping_ = false;
  BatchStats stats_;
  std::thread thread_;
};

}  // namespace hg::serve
