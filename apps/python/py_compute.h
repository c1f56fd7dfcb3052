// How the Python module runs engine work: without the GIL (other Python threads go on), one call
// at a time (the engine's thread pool, kernel choice and device state are process-wide), and with
// Ctrl-C / SIGTERM routed to hg::interrupt for the duration, so a long fit or score stops at its
// next safe point exactly as the CLI does; the interruption then reaches Python as
// KeyboardInterrupt, and Python's own handlers are back in place.
#pragma once
#include <mutex>
#include <string>
#include <utility>

#include <pybind11/pybind11.h>

#include "engine/util/interrupt.h"

namespace hg::py {

std::mutex& compute_mutex();

// While alive: hg::interrupt's handlers for SIGINT and SIGTERM, the previous ones saved.
class SignalScope {
 public:
  SignalScope();
  ~SignalScope();
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  struct Saved;
  Saved* saved_;
};

// Raises KeyboardInterrupt with `what` (needs the GIL).
[[noreturn]] void raise_keyboard_interrupt(const std::string& what);

// fn() run as described above; returns its result. `what` names the work for an interruption
// that fn did not report itself ("scoring interrupted by SIGINT").
template <typename F>
auto run_compute(const std::string& what, F&& fn) {
  std::string stopped;
  bool interrupted = false;
  auto result = [&] {
    pybind11::gil_scoped_release no_gil;
    std::lock_guard<std::mutex> one_at_a_time(compute_mutex());
    SignalScope signals;
    try {
      auto r = fn();
      interrupted = interrupt::requested();
      if (interrupted) stopped = what + " interrupted by " + interrupt::signal_name();
      interrupt::clear();
      return r;
    } catch (const interrupt::Interrupted& e) {
      interrupt::clear();
      interrupted = true;
      stopped = e.what();
      return decltype(fn()){};
    }
  }();
  if (interrupted) raise_keyboard_interrupt(stopped);
  return result;
}

}  // namespace hg::py
