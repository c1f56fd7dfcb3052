// Errors for the engine and everything above it. hg::Error itself (and HG_CHECK) is defined in
// kernels/common/error.h so the kernels can throw it too; this header adds what only the upper
// layers need. The CLI prints what() on one line to stderr and exits 1 (2 for UsageError).
#pragma once
#include <cstring>
#include <string>

#include "kernels/common/error.h"

namespace hg {

// A bad flag or flag combination: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& msg) : Error(msg) {}
};

// strerror as a std::string, for "<path>: cannot open: <reason>" messages.
inline std::string errno_text(int err) { return std::strerror(err); }

}  // namespace hg
