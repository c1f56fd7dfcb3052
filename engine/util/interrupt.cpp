#include "engine/util/interrupt.h"

#include <atomic>
#include <csignal>

namespace hg::interrupt {
namespace {
std::atomic<bool> g_requested{false};

extern "C" void on_sigint(int) {
  g_requested.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process immediately
}
}  // namespace

void install() { std::signal(SIGINT, on_sigint); }
bool requested() { return g_requested.load(); }
void request() { g_requested.store(true); }
void clear() { g_requested.store(false); }

}  // namespace hg::interrupt
