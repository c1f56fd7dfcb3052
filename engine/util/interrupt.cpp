#include "engine/util/interrupt.h"

#include <atomic>
#include <csignal>

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

void check(const std::string& while_doing) {
  if (requested()) throw Interrupted(while_doing + " interrupted by " + signal_name());
}

}  // namespace hg::interrupt
