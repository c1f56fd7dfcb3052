// Runs the hourglass binary (path from $HG_HOURGLASS_BIN, set by ctest) and captures its exit code,
// stdout and stderr.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

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

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

// The header of an IDX file of unsigned bytes with the given dimensions (big-endian sizes).
inline std::string idx_header(uint8_t ndims, std::initializer_list<uint32_t> dims) {
  std::string s{'\0', '\0', '\x08', static_cast<char>(ndims)};
  for (uint32_t d : dims)
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((d >> (8 * k)) & 0xff));
  return s;
}

inline std::string scratch_dir() {
  static std::string dir = [] {
    auto p = std::filesystem::temp_directory_path() / ("hg_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(p);
    return p.string();
  }();
  return dir;
}

// `prefix`: what goes before the command: environment assignments ("HG_TEST_SIGNAL_AT=encoding")
// or a launcher ("mpirun -np 2").
inline CliResult run_cli(const std::string& args, const std::string& prefix = "") {
  const char* bin = std::getenv("HG_HOURGLASS_BIN");
  std::string exe = bin ? bin : std::string(HG_BINARY_DIR) + "/hourglass";
  static int counter = 0;
  const std::string base = scratch_dir() + "/io" + std::to_string(counter++);
  const std::string cmd = "cd " + scratch_dir() + " && " + prefix + " " + exe + " " + args + " >" +
                          base + ".out 2>" + base + ".err </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

// The error is exactly one line, the last on stderr, starting "hourglass: ". Progress lines the
// run printed before failing (the device it chose, epochs) may precede it; nothing else may.
inline void expect_one_line_error(const CliResult& r, int code, const std::string& needle) {
  EXPECT_EQ(r.code, code) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.back(), '\n');
  std::string body = r.err.substr(0, r.err.size() - 1);
  const size_t nl = body.rfind('\n');
  const std::string last = nl == std::string::npos ? body : body.substr(nl + 1);
  EXPECT_EQ(last.rfind("hourglass: ", 0), 0u) << r.err;
  EXPECT_NE(last.find(needle), std::string::npos) << "stderr: " << r.err;
  const std::string before = nl == std::string::npos ? "" : body.substr(0, nl + 1);
  EXPECT_EQ(before.find("hourglass: "), std::string::npos) << "more than one error line: " << r.err;
  for (const char* bad : {"terminate called", "Aborted", "Segmentation", "internal error"})
    EXPECT_EQ(r.err.find(bad), std::string::npos) << r.err;
}

// The JSON summary a --json run printed as its last stdout line.
inline nlohmann::json last_json(const CliResult& r) {
  return nlohmann::json::parse(r.last_out_line());
}

// Whether the file starts like a PNG.
inline bool is_png(const std::string& path) {
  const std::string s = slurp(path);
  return s.size() > 8 && s.substr(1, 3) == "PNG";
}

}  // namespace hg::test
