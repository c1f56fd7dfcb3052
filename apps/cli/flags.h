// Flags that many subcommands share, declared once.
#pragma once
#include <limits>
#include <string>

#include <CLI/CLI.hpp>

#include "engine/tensor/device.h"

namespace hg::cli {

// --device auto|cpu|cuda, --threads T, --json.
void add_compute_flags(CLI::App& app, std::string& device, int& threads, bool& json);
// --threads checked: negative is an error; more than the hardware threads is capped there with a
// one-line warning (1,000 threads on 2 cores only oversubscribe); 0 stays "all cores".
int checked_threads(int threads);
// Validators with one short message ("--k: must be a whole number >= 1, got 0"), where CLI11's
// own range checks print a 300-digit bound.
const CLI::Validator& positive_count();  // an integer >= 1
const CLI::Validator& non_negative();    // a number >= 0
const CLI::Validator& seed_value();      // an integer >= 0 (seeds, thread counts)
// An integer in [lo, hi].
CLI::Validator whole_number_in(long long lo, long long hi);
// A finite real number above lo (lo_open: strictly) and at most hi (hi_open: strictly below);
// hi = kUnbounded leaves it unbounded above.
inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();
CLI::Validator real_in(double lo, bool lo_open, double hi = kUnbounded, bool hi_open = false);
// Sets the CPU thread count and resolves the device (saying on stderr which one and why).
Device start_compute(int threads, const std::string& device);

}  // namespace hg::cli
