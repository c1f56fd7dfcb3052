#include "apps/serve/json_rows_fast.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace hg::serve {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A cursor over the body; every step returns false when the text is not what it expects.
struct Scanner {
  const char* p;
  const char* end;

  void skip_ws() {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  }
  bool take(char c) {
    skip_ws();
    if (p == end || *p != c) return false;
    ++p;
    return true;
  }
  bool take_word(std::string_view w) {
    skip_ws();
    if (static_cast<size_t>(end - p) < w.size() || std::string_view(p, w.size()) != w) return false;
    p += w.size();
    return true;
  }
  // The end of the JSON number at p (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or nullptr.
  // std::from_chars alone would also take "inf", "nan", "1." and leading zeros.
  const char* number_end() const {
    const char* q = p;
    if (q < end && *q == '-') ++q;
    if (q == end || !is_digit(*q)) return nullptr;
    if (*q == '0') {
      ++q;
    } else {
      while (q < end && is_digit(*q)) ++q;
    }
    if (q < end && *q == '.') {
      ++q;
      if (q == end || !is_digit(*q)) return nullptr;
      while (q < end && is_digit(*q)) ++q;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
      ++q;
      if (q < end && (*q == '+' || *q == '-')) ++q;
      if (q == end || !is_digit(*q)) return nullptr;
      while (q < end && is_digit(*q)) ++q;
    }
    return q;
  }
  // One number as a finite float32 (false for anything else, overflow included).
  bool number(float* out) {
    skip_ws();
    const char* q = number_end();
    if (q == nullptr) return false;
    double v = 0;
    const auto r = std::from_chars(p, q, v);
    if (r.ec == std::errc::result_out_of_range) {
      // Underflow reads as (nearly) zero, as strtod gives it; overflow is refused below.
      v = std::strtod(std::string(p, q).c_str(), nullptr);
    } else if (r.ec != std::errc() || r.ptr != q) {
      return false;
    }
    if (!(std::fabs(v) <= FLT_MAX)) return false;
    *out = static_cast<float>(v);
    p = q;
    return true;
  }
};

// One row of exactly D numbers, appended to out.
bool row(Scanner& s, int64_t D, std::vector<float>& out) {
  if (!s.take('[')) return false;
  const size_t first = out.size();
  out.resize(first + static_cast<size_t>(D));
  float* dst = out.data() + first;
  for (int64_t j = 0; j < D; ++j) {
    if (j > 0 && !s.take(',')) return false;
    if (!s.number(dst + j)) return false;
  }
  return s.take(']');
}

}  // namespace

bool parse_json_rows_fast(std::string_view body, int64_t D, Rows& out) {
  Scanner s{body.data(), body.data() + body.size()};
  out.x.clear();
  out.n = 0;
  // A first guess at the size (about 8 characters a number) saves most reallocations.
  out.x.reserve(body.size() / 8 + static_cast<size_t>(D));
  if (!s.take('{') || !s.take_word("\"rows\"") || !s.take(':') || !s.take('[')) return false;
  do {
    if (!row(s, D, out.x)) return false;
    ++out.n;
  } while (s.take(','));
  if (!s.take(']') || !s.take('}')) return false;
  s.skip_ws();
  return s.p == s.end;
}

}  // namespace hg::serve
