#include "apps/serve/request_parse.h"

#include <bit>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "apps/serve/json_rows_fast.h"
#include "engine/io/atomic_file.h"

namespace hg::serve {

using nlohmann::json;

namespace {

RequestError bad(const std::string& msg) { return RequestError(400, msg); }

std::string where(size_t i, size_t j) {
  return "row " + std::to_string(i) + ", value " + std::to_string(j);
}

std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The body as a JSON document, or a 400 naming the syntax error.
json parse_document(std::string_view body) {
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::exception& e) {
    throw bad("malformed JSON: " + io::json_error_text(e));
  }
}

// rows[i] of the checked path: D numbers, each a finite float32.
void check_row(const json& r, size_t i, int64_t D, float* dst) {
  if (!r.is_array())
    throw bad("\"rows\" must be a list of lists of numbers: row " + std::to_string(i) + " is " +
              (r.is_number() ? "a number" : std::string("a ") + r.type_name()));
  if (static_cast<int64_t>(r.size()) != D)
    throw bad("row " + std::to_string(i) + " has " + std::to_string(r.size()) +
              " values, the model takes " + std::to_string(D));
  for (size_t j = 0; j < r.size(); ++j) {
    const json& v = r[j];
    if (!v.is_number())
      throw bad(where(i, j) + " is " + (v.is_null() ? "null" : std::string("a ") + v.type_name()) +
                ", expected a number");
    const double d = v.get<double>();
    if (!(std::fabs(d) <= FLT_MAX))
      throw bad(where(i, j) + " is not a finite float32 (" + number_text(d) + ")");
    dst[j] = static_cast<float>(d);
  }
}

// The slow, checked path: only bodies the fast scanner refused come here, so this either finds
// what is wrong or (a body of another legal shape: extra keys, unusual number spellings) reads it.
Rows parse_json_checked(std::string_view body, int64_t D) {
  const json doc = parse_document(body);
  if (!doc.is_object())
    throw bad(std::string("the body must be a JSON object {\"rows\": [[...], ...]}, got ") +
              (doc.is_array() ? "a list" : std::string("a ") + doc.type_name()));
  const auto it = doc.find("rows");
  if (it == doc.end())
    throw bad("missing \"rows\": send {\"rows\": [[" + std::to_string(D) + " numbers], ...]}");
  const json& rows = *it;
  if (!rows.is_array())
    throw bad(std::string("\"rows\" must be a list of lists of numbers, got a ") +
              rows.type_name());
  if (rows.empty()) throw bad("\"rows\" is empty: send at least one row");
  Rows out;
  out.n = static_cast<int64_t>(rows.size());
  out.x.resize(rows.size() * static_cast<size_t>(D));
  for (size_t i = 0; i < rows.size(); ++i)
    check_row(rows[i], i, D, out.x.data() + i * static_cast<size_t>(D));
  return out;
}

// "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type) {
  std::string t(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  size_t b = 0;
  while (b < t.size() && std::isspace(static_cast<unsigned char>(t[b]))) ++b;
  t = t.substr(b);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

}  // namespace

Rows parse_json_rows(std::string_view body, int64_t D) {
  Rows out;
  if (parse_json_rows_fast(body, D, out)) return out;
  return parse_json_checked(body, D);
}

Rows parse_binary_rows(std::string_view body, int64_t D) {
  const size_t row_bytes = 4 * static_cast<size_t>(D);
  if (body.size() % row_bytes != 0)
    throw bad("binary body of " + std::to_string(body.size()) +
              " bytes is not a whole number of rows (4 * " + std::to_string(D) + " = " +
              std::to_string(row_bytes) + " bytes of float32 each)");
  Rows out;
  out.n = static_cast<int64_t>(body.size() / row_bytes);
  out.x.resize(body.size() / 4);
  std::memcpy(out.x.data(), body.data(), body.size());
  if constexpr (std::endian::native == std::endian::big)
    for (float& v : out.x) v = std::bit_cast<float>(__builtin_bswap32(std::bit_cast<uint32_t>(v)));
  for (size_t k = 0; k < out.x.size(); ++k)
    if (!std::isfinite(out.x[k]))
      throw bad(where(k / static_cast<size_t>(D), k % static_cast<size_t>(D)) + " is not finite (" +
                number_text(out.x[k]) + ")");
  return out;
}

Rows parse_rows(std::string_view content_type, std::string_view body, int64_t D) {
  if (body.empty()) throw bad("empty body: send {\"rows\": [[...], ...]} or float32 rows");
  const std::string type = media_type(content_type);
  if (type.empty() || type == "application/json") return parse_json_rows(body, D);
  if (type == "application/octet-stream") return parse_binary_rows(body, D);
  throw RequestError(415, "Content-Type '" + type +
                              "' is not accepted: send application/json ({\"rows\": [[...]]}) "
                              "or application/octet-stream (float32 rows)");
}

}  // namespace hg::serve
