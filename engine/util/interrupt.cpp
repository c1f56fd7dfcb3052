#include "engine/util/interrupt.h"

#include <atomic>
#include <csignal>
#include <cstdlib>

namespace hg::interrupt {
namespace {
std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  std::signal(sig, SIG_DFL);  // a second one ends the process immediately
}
}  // namespace

void install() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}
bool requested() { return g_signal.load() != 0; }
int signal_number() { return g_signal.load(); }
int exit_code() { return requested() ? 128 + signal_number() : 0; }
std::string signal_name() { return signal_number() == SIGTERM ? "SIGTERM" : "SIGINT"; }
void request() {
  int none = 0;
  g_signal.compare_exchange_strong(none, SIGINT);
}
void clear() { g_signal.store(0); }

namespace {
// $HG_TEST_SIGNAL_AT="LABEL[:TERM]": the first check() whose label contains LABEL raises SIGINT
// (or SIGTERM) at itself, so the CLI tests can stop every command at a known safe point through
// the real handler, without racing a fast command with kill().
// The variable is read once: safe points are polled every training batch.
struct TestSignal {
  std::string label;  // empty: the hook is off
  int sig = SIGINT;
};

const TestSignal& test_signal() {
  static const TestSignal t = [] {
    TestSignal s;
    const char* spec = std::getenv("HG_TEST_SIGNAL_AT");
    s.label = spec ? spec : "";
    if (const auto colon = s.label.rfind(':'); colon != std::string::npos) {
      if (s.label.substr(colon + 1) == "TERM") s.sig = SIGTERM;
      s.label.resize(colon);
    }
    return s;
  }();
  return t;
}

void raise_test_signal(const std::string& while_doing) {
  static std::atomic<bool> fired{false};
  const TestSignal& t = test_signal();
  if (t.label.empty() || fired.load()) return;
  if (while_doing.find(t.label) == std::string::npos || fired.exchange(true)) return;
  if (g_signal.load() == 0) std::raise(t.sig);
}
}  // namespace

bool poll(const std::string& while_doing) {
  raise_test_signal(while_doing);
  return requested();
}

void check(const std::string& while_doing, const std::string& left) {
  if (poll(while_doing))
    throw Interrupted(while_doing + " interrupted by " + signal_name() +
                      (left.empty() ? "" : "; " + left));
}

}  // namespace hg::interrupt
