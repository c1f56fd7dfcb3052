// Ctrl-C handling for long work: the first SIGINT sets a flag that loops poll, so they can stop at
// a safe point and keep the last checkpoint; a second SIGINT kills the process as usual.
#pragma once

namespace hg::interrupt {

void install();          // idempotent
bool requested();        // true after the first SIGINT (or request())
void request();          // for tests: behave as if Ctrl-C was pressed
void clear();

}  // namespace hg::interrupt
