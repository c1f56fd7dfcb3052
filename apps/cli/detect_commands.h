// The `detect` subcommands: fit and score in cmd_detect.cpp, report in cmd_detect_report.cpp,
// bench-oneclass in cmd_detect_oneclass.cpp; and what they share (defined in cmd_detect.cpp).
#pragma once
#include "apps/cli/commands.h"
#include "apps/detect/detector.h"

namespace hg::cli {

Action add_detect_report(CLI::App& app);
Action add_detect_bench_oneclass(CLI::App& app);
// --knn-k, --knn-power, --knn-blur (the knn and knn-input scores' settings), for fit and
// bench-oneclass.
void add_knn_flags(CLI::App& app, detect::ScoreOptions& opts);
// The score kinds of --score: a list as given, or for "auto" the recipe for the run and its normal
// rows (apps/detect/recipe.h), whose knn settings fill `opts` unless given on the command line.
// `described` gets what was chosen, for the user and detector.json.
std::vector<detect::ScoreKind> resolve_scores(const CLI::App& app, const std::string& score,
                                              const run::LoadedRun& run,
                                              const data::Dataset& normal,
                                              detect::ScoreOptions& opts, std::string* described);

}  // namespace hg::cli
