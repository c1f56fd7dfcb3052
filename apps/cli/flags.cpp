#include "apps/cli/flags.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <thread>

#include "engine/host/parallel.h"
#include "engine/ops/kernel_select.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::cli {

void add_compute_flags(CLI::App& app, std::string& device, int& threads, bool& json) {
  app.add_option("--device", device, "auto, cpu or cuda")->default_val("auto");
  app.add_option("--threads", threads, "CPU threads (0: all cores)")->check(seed_value());
  app.add_flag("--json", json, "Print a JSON summary as the last line");
}

namespace {

// The value as a number, or NaN when it is not one (whole: an integer only).
double parse_number(const std::string& s, bool whole) {
  try {
    size_t used = 0;
    const double v = whole ? static_cast<double>(std::stoll(s, &used)) : std::stod(s, &used);
    return used == s.size() ? v : std::nan("");
  } catch (const std::exception&) {
    return std::nan("");
  }
}

// "must be <what>, got <value>" unless the value is a number (an integer when whole) >= lo.
CLI::Validator at_least(double lo, bool whole, const std::string& what) {
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        return parse_number(s, whole) >= lo ? std::string() : "must be " + what + ", got " + s;
      },
      what);
}

}  // namespace

const CLI::Validator& positive_count() {
  static const CLI::Validator v = at_least(1, true, "a whole number >= 1");
  return v;
}

const CLI::Validator& non_negative() {
  static const CLI::Validator v = at_least(0, false, "a number >= 0");
  return v;
}

const CLI::Validator& seed_value() {
  static const CLI::Validator v = at_least(0, true, "a whole number >= 0");
  return v;
}

CLI::Validator whole_number_in(long long lo, long long hi) {
  const std::string what =
      "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        const double v = parse_number(s, true);
        return v >= static_cast<double>(lo) && v <= static_cast<double>(hi)
                   ? std::string()
                   : "must be " + what + ", got " + s;
      },
      what);
}

CLI::Validator real_in(double lo, bool lo_open, double hi, bool hi_open) {
  std::string what = std::string("a finite number ") + (lo_open ? "> " : ">= ") + fmt::num(lo, 6);
  if (std::isfinite(hi)) what += std::string(hi_open ? " and < " : " and <= ") + fmt::num(hi, 6);
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        const double v = parse_number(s, false);
        const bool ok =
            std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
        return ok ? std::string() : "must be " + what + ", got " + s;
      },
      what);
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
  const Device d = resolve_device(device, std::cerr);
  ops::check_kernels_run_on(d);
  return d;
}

}  // namespace hg::cli
