// Ctrl-C and SIGTERM for long work. The first SIGINT or SIGTERM sets a flag that loops poll at a
// safe point (the end of a batch, an epoch, an ensemble member, an image, an iteration), so they
// stop there and keep what is complete; a second one ends the process as usual. The CLI installs
// the handlers for every subcommand and exits 130 (SIGINT) or 143 (SIGTERM) with a one-line
// message when the work stopped because of them.
#pragma once
#include <string>

#include "engine/util/error.h"

namespace hg::interrupt {

void install();       // idempotent; SIGINT and SIGTERM
bool requested();     // true after the first signal (or request())
int signal_number();  // SIGINT or SIGTERM once requested, else 0
int exit_code();      // 128 + signal_number(): 130 for SIGINT, 143 for SIGTERM (130 for request())
std::string signal_name();  // "SIGINT" or "SIGTERM"
void request();             // for tests: behave as if Ctrl-C was pressed
void clear();

// Thrown by check() at a safe point once a signal arrived; the CLI turns it into exit_code().
// `what` says what was kept (e.g. "the checkpoint of epoch 3 is kept in runs/x").
class Interrupted : public Error {
 public:
  explicit Interrupted(const std::string& what) : Error(what) {}
};

// requested(), at a safe point named `while_doing` (the test hook below applies).
bool poll(const std::string& while_doing);

// Throws Interrupted("<while> interrupted by SIGINT; <left>") when a signal arrived: `left` says
// what the interruption leaves behind ("" when `while_doing` already says it). For tests,
// $HG_TEST_SIGNAL_AT="LABEL[:TERM]" makes the first check() whose label contains LABEL raise
// SIGINT (SIGTERM) first, through the installed handler.
void check(const std::string& while_doing, const std::string& left = "no output was written");

}  // namespace hg::interrupt
