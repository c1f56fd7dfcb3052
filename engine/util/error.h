// One exception type for every user-facing failure. The CLI prints what() on one line to stderr
// and exits 1 (2 for UsageError). Messages name the file or flag and say what is wrong.
#pragma once
#include <cstring>
#include <stdexcept>
#include <string>

namespace hg {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// A bad flag or flag combination: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& msg) : Error(msg) {}
};

// strerror as a std::string, for "<path>: cannot open: <reason>" messages.
inline std::string errno_text(int err) { return std::strerror(err); }

// Internal invariant violated (a bug, not bad input). Still an Error so the CLI never aborts.
#define HG_CHECK(cond, msg)                                                                   \
  do {                                                                                        \
    if (!(cond)) throw ::hg::Error(std::string("internal check failed: ") + (msg) + " (" +    \
                                   __FILE__ + ":" + std::to_string(__LINE__) + ")");          \
  } while (0)

}  // namespace hg
