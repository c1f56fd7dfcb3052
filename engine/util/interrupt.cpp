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
void raise_test_signal(const std::string& while_doing) {
  static std::atomic<bool> fired{false};
  const char* spec = std::getenv("HG_TEST_SIGNAL_AT");
  if (!spec || !*spec || fired.load()) return;
  std::string label = spec;
  int sig = SIGINT;
  if (const auto colon = label.rfind(':'); colon != std::string::npos) {
    if (label.substr(colon + 1) == "TERM") sig = SIGTERM;
    label.resize(colon);
  }
  if (while_doing.find(label) == std::string::npos || fired.exchange(true)) return;
  if (g_signal.load() == 0) std::raise(sig);
}
}  // namespace

bool poll(const std::string& while_doing) {
  raise_test_signal(while_doing);
  return requested();
}

void check(const std::string& while_doing) {
  if (poll(while_doing)) throw Interrupted(while_doing + " interrupted by " + signal_name());
}

}  // namespace hg::interrupt
