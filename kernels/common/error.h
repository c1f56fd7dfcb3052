// The one exception type of every failure a user can see, defined at the bottom layer so the
// kernels can report a bad argument (a shape, a noise parameter, a missing backend) without
// including engine headers. The CLI prints what() on one line to stderr and exits 1. Messages
// name what is wrong and the value that was given.
#pragma once
#include <stdexcept>
#include <string>

namespace hg {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// Internal invariant violated (a bug, not bad input). Still an Error so the CLI never aborts.
#define HG_CHECK(cond, msg)                                                                      \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      throw ::hg::Error(std::string("internal check failed: ") + (msg) + " (" + __FILE__ + ":" + \
                        std::to_string(__LINE__) + ")");                                         \
  } while (0)

}  // namespace hg
