// The hourglass subcommands. Each add_* function declares its flags on `app` and returns the
// action to run once parsing succeeded; actions return the process exit code and throw
// hg::Error / hg::UsageError for bad input (main turns them into one line and exit 1 / 2).
#pragma once
#include <functional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace hg::cli {

using Action = std::function<int()>;

Action add_train(CLI::App& app);
Action add_eval(CLI::App& app);
Action add_info(CLI::App& app);
Action add_reconstruct(CLI::App& app);
Action add_generate(CLI::App& app);
Action add_detect(CLI::App& app);   // fit, score, report, bench-oneclass
Action add_analyze(CLI::App& app);  // pca, kmeans, silhouette, tsne
Action add_embed(CLI::App& app);
Action add_cluster(CLI::App& app);
Action add_transfer(CLI::App& app);
Action add_demo(CLI::App& app);
Action add_compress(CLI::App& app);
Action add_decompress(CLI::App& app);
Action add_denoise(CLI::App& app);
Action add_retrieve(CLI::App& app);
Action add_upscale(CLI::App& app);
Action add_active(CLI::App& app);
Action add_sweep(CLI::App& app);  // apps/sweep: variants of a config compared on tasks
// Outside hg_apps (so the Python module links neither protobuf nor the HTTP server):
Action add_export(CLI::App& app);  // apps/export: ONNX
Action add_serve(CLI::App& app);   // apps/serve: HTTP scoring server

}  // namespace hg::cli
