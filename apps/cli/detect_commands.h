// The `detect` subcommands defined in cmd_detect_report.cpp (fit and score are in cmd_detect.cpp),
// and the knn flags both files share (defined in cmd_detect.cpp).
#pragma once
#include "apps/cli/commands.h"
#include "apps/detect/detector.h"

namespace hg::cli {

Action add_detect_report(CLI::App& app);
Action add_detect_bench_oneclass(CLI::App& app);
// --knn-k, --knn-power, --knn-blur (the knn and knn-input scores' settings), for fit and bench-oneclass.
void add_knn_flags(CLI::App& app, detect::ScoreOptions& opts);

}  // namespace hg::cli
