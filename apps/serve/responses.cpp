#include "apps/serve/responses.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

namespace hg::serve {

namespace {

template <typename T>
void append_number(std::string& out, T v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

std::string scores_json(const std::vector<double>& scores, std::optional<double> threshold) {
  std::string out;
  out.reserve(scores.size() * 28 + 64);
  out += "{\"scores\":[";
  for (size_t i = 0; i < scores.size(); ++i) {
    if (i) out += ',';
    append_number(out, scores[i]);
  }
  out += "],\"flags\":";
  if (threshold) {
    out += '[';
    for (size_t i = 0; i < scores.size(); ++i) {
      if (i) out += ',';
      out += scores[i] > *threshold ? "true" : "false";
    }
    out += "],\"threshold\":";
    append_number(out, *threshold);
  } else {
    out += "null,\"threshold\":null";
  }
  out += '}';
  return out;
}

std::string reconstructions_json(const std::vector<float>& r, int64_t n, int64_t D) {
  std::string out;
  out.reserve(static_cast<size_t>(n * D) * 12 + 32);
  out += "{\"reconstructions\":[";
  for (int64_t i = 0; i < n; ++i) {
    out += i ? ",[" : "[";
    for (int64_t j = 0; j < D; ++j) {
      if (j) out += ',';
      append_number(out, r[static_cast<size_t>(i * D + j)]);
    }
    out += ']';
  }
  out += "]}";
  return out;
}

std::string error_json(const std::string& message) {
  std::string line = message.substr(0, 400);
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  const nlohmann::json j{{"error", line}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hg::serve
