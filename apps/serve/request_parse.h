// The rows of a scoring request, read from its body. Two encodings:
//   application/json          {"rows": [[x0, x1, ...], ...]}: D numbers per row
//   application/octet-stream  n * D little-endian float32 values, row after row
// Every value must be a finite float32. A body that breaks a rule is refused with a
// RequestError: the HTTP status (400, or 415 for an unknown Content-Type) and one line that names
// the row and value at fault ("row 3 has 5 values, the model takes 784"; rows count from 0).
// Pure functions of their arguments: any thread may call them at once.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hg::serve {

// A request the server refuses, with the status to answer.
class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& msg) : std::runtime_error(msg), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// n rows of D values, row-major (x.size() == n * D).
struct Rows {
  std::vector<float> x;
  int64_t n = 0;
};

// By Content-Type (parameters such as "; charset=utf-8" are ignored; no Content-Type is read as
// JSON). Throws RequestError.
Rows parse_rows(std::string_view content_type, std::string_view body, int64_t D);
Rows parse_json_rows(std::string_view body, int64_t D);
Rows parse_binary_rows(std::string_view body, int64_t D);

}  // namespace hg::serve
