// Runs the hourglass binary (path from $HG_HOURGLASS_BIN, set by ctest) and captures its exit code,
// stdout and stderr.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace hg::test {

struct CliResult {
  int code = -1;
  std::string out, err;
  int err_lines() const {
    int n = 0;
    for (char c : err) n += c == '\n';
    return n;
  }
  std::string last_out_line() const {
    std::string s = out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    auto p = s.rfind('\n');
    return p == std::string::npos ? s : s.substr(p + 1);
  }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string scratch_dir() {
  static std::string dir = [] {
    auto p = std::filesystem::temp_directory_path() / ("hg_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(p);
    return p.string();
  }();
  return dir;
}

inline CliResult run_cli(const std::string& args) {
  const char* bin = std::getenv("HG_HOURGLASS_BIN");
  std::string exe = bin ? bin : std::string(HG_BINARY_DIR) + "/hourglass";
  static int counter = 0;
  const std::string base = scratch_dir() + "/io" + std::to_string(counter++);
  const std::string cmd = "cd " + scratch_dir() + " && " + exe + " " + args + " >" + base +
                          ".out 2>" + base + ".err </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

}  // namespace hg::test
