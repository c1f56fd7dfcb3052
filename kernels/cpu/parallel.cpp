// Persistent thread pool behind parallel_for.
//
// Idea: T-1 worker threads live for the whole process; the calling thread is the T-th member.
// A job is a list of chunks with fixed boundaries (they depend only on the arguments); every
// participating thread claims chunks from one atomic counter until none are left. The caller
// never waits for a worker that has not started: each worker has a mailbox whose state goes
// Posted -> Accepted (the worker took the job) -> Done, and when the caller has run out of chunks
// it revokes mailboxes still in Posted. So a descheduled worker (2 shared cores, other processes
// running) costs nothing: the caller simply runs all the chunks itself.
// A worker that finishes spins on its mailbox for a short while (back-to-back small ops dispatch
// in well under a microsecond), then sleeps on a condition variable so an idle process costs no
// CPU. Ranges with end - begin <= grain, and calls made inside a parallel region, run inline on
// the calling thread without any synchronisation.
#include "kernels/cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HG_PAUSE() _mm_pause()
#else
#define HG_PAUSE() ((void)0)
#endif

namespace hg::kernels::cpu {
namespace {

thread_local bool t_inside = false;  // true on workers, and on a caller while it runs a job

struct Job {
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t begin = 0, end = 0, nchunks = 0;
  int64_t step = 0;  // > 0: fixed-size chunks of `step` items; 0: n split into nchunks equal parts
  std::atomic<int64_t> next{0};
  std::mutex err_mu;
  std::exception_ptr err;

  void bounds(int64_t i, int64_t& lo, int64_t& hi) const {
    if (step > 0) {
      lo = begin + i * step;
      hi = lo + step < end ? lo + step : end;
    } else {
      const int64_t n = end - begin;
      lo = begin + n * i / nchunks;
      hi = begin + n * (i + 1) / nchunks;
    }
  }
  void run_chunk(int64_t i) {
    int64_t lo, hi;
    bounds(i, lo, hi);
    try {
      (*fn)(lo, hi);
    } catch (...) {
      std::lock_guard<std::mutex> lk(err_mu);
      if (!err) err = std::current_exception();
    }
  }
  // Claims and runs chunks until none are left.
  void work() {
    for (;;) {
      const int64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= nchunks) return;
      run_chunk(i);
    }
  }
  void run_serial() {
    const bool was = t_inside;
    t_inside = true;
    for (int64_t i = 0; i < nchunks; ++i) run_chunk(i);
    t_inside = was;
    if (err) std::rethrow_exception(err);
  }
};

enum : int { kIdle = 0, kPosted = 1, kAccepted = 2, kDone = 3 };

struct alignas(64) Mailbox {
  std::atomic<uint64_t> gen{0};  // bumped to wake the worker
  std::atomic<int> state{kIdle};
  Job* job = nullptr;
};

inline void wait_spin(int spins) {
  if (spins < 4000)
    HG_PAUSE();
  else
    std::this_thread::yield();
}

class Pool {
 public:
  explicit Pool(int t) { start(t); }
  ~Pool() { stop(); }

  int size() const { return nthreads_; }
  void nap() { nap_.store(true, std::memory_order_relaxed); }

  void resize(int t) {
    std::lock_guard<std::mutex> lk(dispatch_);
    stop();
    start(t);
  }

  void run(Job& job) {
    std::unique_lock<std::mutex> lk(dispatch_, std::try_to_lock);
    if (!lk.owns_lock()) {  // another thread is using the pool: run serially
      job.run_serial();
      return;
    }
    nap_.store(false, std::memory_order_relaxed);
    const int64_t helpers = std::min<int64_t>(nthreads_ - 1, job.nchunks - 1);
    for (int64_t w = 0; w < helpers; ++w) {
      Mailbox& mb = *boxes_[w];
      mb.job = &job;
      mb.state.store(kPosted, std::memory_order_seq_cst);
      mb.gen.fetch_add(1, std::memory_order_seq_cst);
    }
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> g(sleep_mu_); }
      sleep_cv_.notify_all();
    }
    t_inside = true;
    job.work();
    t_inside = false;
    for (int64_t w = 0; w < helpers; ++w) {
      Mailbox& mb = *boxes_[w];
      int expected = kPosted;
      if (mb.state.compare_exchange_strong(expected, kIdle, std::memory_order_seq_cst))
        continue;  // never picked up: revoked
      for (int spins = 0; mb.state.load(std::memory_order_acquire) != kDone; ++spins)
        wait_spin(spins);
      mb.state.store(kIdle, std::memory_order_relaxed);
    }
    if (job.err) std::rethrow_exception(job.err);
  }

 private:
  void start(int t) {
    nthreads_ = t < 1 ? 1 : t;
    quit_.store(false);
    boxes_.clear();
    for (int i = 0; i + 1 < nthreads_; ++i) boxes_.push_back(std::make_unique<Mailbox>());
    for (int i = 0; i + 1 < nthreads_; ++i) workers_.emplace_back([this, i] { worker(i); });
  }

  void stop() {
    quit_.store(true, std::memory_order_seq_cst);
    for (auto& b : boxes_) b->gen.fetch_add(1, std::memory_order_seq_cst);
    { std::lock_guard<std::mutex> g(sleep_mu_); }
    sleep_cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void worker(int idx) {
    t_inside = true;
    Mailbox& mb = *boxes_[idx];
    uint64_t seen = 0;  // the mailbox starts at 0: a job posted before this thread ran is seen
    for (;;) {
      uint64_t g = seen;
      for (int spins = 0; spins < 20000; ++spins) {  // spin briefly, then sleep
        g = mb.gen.load(std::memory_order_acquire);
        if (g != seen || nap_.load(std::memory_order_relaxed)) break;
        HG_PAUSE();
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lk(sleep_mu_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        sleep_cv_.wait(lk, [&] { return mb.gen.load(std::memory_order_seq_cst) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        g = mb.gen.load(std::memory_order_acquire);
      }
      seen = g;
      if (quit_.load(std::memory_order_acquire)) return;
      int expected = kPosted;
      if (mb.state.compare_exchange_strong(expected, kAccepted, std::memory_order_seq_cst)) {
        mb.job->work();
        mb.state.store(kDone, std::memory_order_release);
      }
    }
  }

  // Set by nap() (idle_workers()): spinning workers go to sleep at once (another library's
  // threads are about to need the cores). Cleared when the next job is posted.
  std::atomic<bool> nap_{false};
  int nthreads_ = 1;
  std::vector<std::unique_ptr<Mailbox>> boxes_;
  std::vector<std::thread> workers_;
  std::atomic<bool> quit_{false};
  std::mutex dispatch_;
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;
  std::atomic<int> sleepers_{0};
};

int hardware_threads() {
  unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(h);
}

// Deliberately leaked: joining workers from a static destructor at process exit can deadlock
// (observed: `hourglass info` hung in ~Pool), and the OS reclaims the threads anyway.
Pool& pool() {
  static Pool* p = new Pool(hardware_threads());
  return *p;
}

void dispatch(Job& job) {
  if (job.nchunks <= 1) {
    (*job.fn)(job.begin, job.end);
    return;
  }
  Pool& p = pool();
  if (t_inside || p.size() == 1) {  // nested (or no pool): same chunks, serially
    job.run_serial();
    return;
  }
  p.run(job);
}

}  // namespace

void set_num_threads(int t) {
  if (t <= 0) t = hardware_threads();
  Pool& p = pool();
  if (p.size() != t) p.resize(t);
}

int num_threads() { return pool().size(); }

void idle_workers() { pool().nap(); }

// Runs tiny ranges inline and fills the job's range otherwise; false when nothing is left to do.
// `grain` is clamped to at least 1 in place.
bool prepare(Job& job, int64_t begin, int64_t end, int64_t& grain,
             const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t n = end - begin;
  if (n <= 0) return false;
  if (grain < 1) grain = 1;
  if (n <= grain) {
    fn(begin, end);
    return false;
  }
  job.fn = &fn;
  job.begin = begin;
  job.end = end;
  return true;
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t lo, int64_t hi)>& fn) {
  Job job;
  if (!prepare(job, begin, end, grain, fn)) return;
  job.nchunks = std::min<int64_t>((end - begin) / grain, pool().size());
  dispatch(job);
}

void parallel_for_dynamic(int64_t begin, int64_t end, int64_t grain,
                          const std::function<void(int64_t lo, int64_t hi)>& fn) {
  Job job;
  if (!prepare(job, begin, end, grain, fn)) return;
  job.step = grain;
  job.nchunks = (end - begin + grain - 1) / grain;
  dispatch(job);
}

}  // namespace hg::kernels::cpu
