#include "apps/python/py_compute.h"

#include <csignal>

namespace hg::py {

std::mutex& compute_mutex() {
  static std::mutex m;
  return m;
}

struct SignalScope::Saved {
  struct sigaction sigint {};
  struct sigaction sigterm {};
};

SignalScope::SignalScope() : saved_(new Saved) {
  sigaction(SIGINT, nullptr, &saved_->sigint);
  sigaction(SIGTERM, nullptr, &saved_->sigterm);
  interrupt::clear();
  interrupt::install();
}

SignalScope::~SignalScope() {
  sigaction(SIGINT, &saved_->sigint, nullptr);
  sigaction(SIGTERM, &saved_->sigterm, nullptr);
  delete saved_;
}

void raise_keyboard_interrupt(const std::string& what) {
  PyErr_SetString(PyExc_KeyboardInterrupt, what.c_str());
  throw pybind11::error_already_set();
}

}  // namespace hg::py
