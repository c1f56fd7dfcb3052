#include "apps/cli/flags.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <thread>

#include "engine/host/parallel.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"

namespace hg::cli {

void add_compute_flags(CLI::App& app, std::string& device, int& threads, bool& json) {
  app.add_option("--device", device, "auto, cpu or cuda")->default_val("auto");
  app.add_option("--threads", threads, "CPU threads (0: all cores)");
  app.add_flag("--json", json, "Print a JSON summary as the last line");
}

int checked_threads(int threads) {
  if (threads < 0)
    throw UsageError("--threads " + std::to_string(threads) + ": must be >= 0 (0: all cores)");
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads > hw) {
    std::cerr << "hourglass: --threads " << threads << " is more than the " << hw
              << " hardware threads; using " << hw << "\n";
    return hw;
  }
  return threads;
}

Device start_compute(int threads, const std::string& device) {
  host::set_num_threads(checked_threads(threads));
  return resolve_device(device, std::cerr);
}

}  // namespace hg::cli
