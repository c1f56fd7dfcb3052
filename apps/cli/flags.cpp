#include "apps/cli/flags.h"

#include <iostream>

#include "engine/tensor/device_select.h"
#include "engine/host/parallel.h"

namespace hg::cli {

void add_compute_flags(CLI::App& app, std::string& device, int& threads, bool& json) {
  app.add_option("--device", device, "auto, cpu or cuda")->default_val("auto");
  app.add_option("--threads", threads, "CPU threads (0: all cores)");
  app.add_flag("--json", json, "Print a JSON summary as the last line");
}

Device start_compute(int threads, const std::string& device) {
  host::set_num_threads(threads);
  return resolve_device(device, std::cerr);
}

}  // namespace hg::cli
