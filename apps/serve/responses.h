// The JSON bodies the server answers with, written by hand with std::to_chars (the shortest text
// that reads back to the same number): a 64-row reconstruction is 50,000 numbers, and building a
// DOM for it would cost more than the model. A non-finite number is written as null (JSON has no
// NaN). Pure functions: any thread may call them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hg::serve {

// {"scores": [...], "flags": [...] or null, "threshold": t or null}; flags[i] = scores[i] > t.
std::string scores_json(const std::vector<double>& scores, std::optional<double> threshold);
// {"reconstructions": [[D values], ...]} for n rows of r.
std::string reconstructions_json(const std::vector<float>& r, int64_t n, int64_t D);
// {"error": "..."} on one line (invalid UTF-8 in the message is replaced, never thrown on).
std::string error_json(const std::string& message);

}  // namespace hg::serve
