// Report's own atomic file write (apps/report must not depend on engine/io).
#pragma once
#include <string>

namespace hg::report::detail {

// Writes <path>.tmp.<pid>, fsyncs, renames over path; removes the temp and throws hg::Error
// naming path on failure.
void write_bytes_atomic(const std::string& path, const std::string& bytes);

}  // namespace hg::report::detail
