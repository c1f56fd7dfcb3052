// Internal to engine/data: write a file so that readers never see a half-written one.
// Bytes go to "<path>.tmp", which commit() renames over <path>; a writer destroyed without
// commit() removes the temporary file.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>

namespace hg::data {

class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path);  // Error "<path>: cannot write: <strerror>"
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* bytes, size_t n);  // Error on a short write (disk full, ...)
  void write(const std::string& s) { write(s.data(), s.size()); }
  void commit();  // flush, close, rename over the target

 private:
  [[noreturn]] void fail(int err);
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
};

// strerror(err) as a std::string.
std::string errno_text(int err);

}  // namespace hg::data
