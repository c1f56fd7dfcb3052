// The `detect` subcommands defined in cmd_detect_report.cpp (fit and score are in cmd_detect.cpp).
#pragma once
#include "apps/cli/commands.h"

namespace hg::cli {

Action add_detect_report(CLI::App& app);
Action add_detect_bench_oneclass(CLI::App& app);

}  // namespace hg::cli
