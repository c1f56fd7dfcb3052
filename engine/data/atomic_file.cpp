#include "engine/data/atomic_file.h"

#include <cerrno>
#include <cstring>

#include "engine/util/error.h"

namespace hg::data {

std::string errno_text(int err) { return std::strerror(err); }

AtomicFile::AtomicFile(const std::string& path) : path_(path), tmp_(path + ".tmp") {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) fail(errno);
}

AtomicFile::~AtomicFile() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}

void AtomicFile::fail(int err) {
  if (f_) {
    std::fclose(f_);
    f_ = nullptr;
    std::remove(tmp_.c_str());
  }
  throw Error(path_ + ": cannot write: " + errno_text(err));
}

void AtomicFile::write(const void* bytes, size_t n) {
  HG_CHECK(f_ != nullptr, "write after commit");
  if (n && std::fwrite(bytes, 1, n, f_) != n) fail(errno);
}

void AtomicFile::commit() {
  HG_CHECK(f_ != nullptr, "commit twice");
  std::FILE* f = f_;
  f_ = nullptr;
  const bool ok = std::fflush(f) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp_.c_str());
    throw Error(path_ + ": cannot write: " + errno_text(ok ? errno : err));
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp_.c_str());
    throw Error(path_ + ": cannot write: " + errno_text(e));
  }
}

}  // namespace hg::data
