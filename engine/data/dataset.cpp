#include "engine/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::data {

int64_t Dataset::features() const {
  int64_t f = 1;
  for (int64_t s : sample_shape) f *= s;
  return f;
}

Dataset select_rows(const Dataset& d, const std::vector<int64_t>& rows) {
  const int64_t f = d.features();
  Dataset out;
  out.name = d.name;
  out.sample_shape = d.sample_shape;
  out.feature_names = d.feature_names;
  out.n = static_cast<int64_t>(rows.size());
  out.x.resize(static_cast<size_t>(out.n * f));
  if (d.has_labels()) out.y.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t r = rows[i];
    if (r < 0 || r >= d.n)
      throw Error(d.name + ": row " + std::to_string(r) + " out of range (dataset has " +
                  std::to_string(d.n) + " rows)");
    std::memcpy(out.x.data() + i * f, d.x.data() + r * f, sizeof(float) * f);
    if (d.has_labels()) out.y[i] = d.y[r];
  }
  return out;
}

Dataset filter_classes(const Dataset& d, const std::vector<int32_t>& classes,
                       const std::string& flag) {
  if (!d.has_labels()) throw Error(flag + ": dataset '" + d.name + "' has no labels to filter by");
  std::vector<int32_t> wanted = classes;
  std::sort(wanted.begin(), wanted.end());
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < d.n; ++i)
    if (std::binary_search(wanted.begin(), wanted.end(), d.y[i])) rows.push_back(i);
  if (rows.empty()) {
    std::string list;
    for (size_t i = 0; i < wanted.size(); ++i) list += (i ? "," : "") + std::to_string(wanted[i]);
    throw Error(flag + ": no samples of class " + (list.empty() ? "(none)" : list) + " in '" +
                d.name + "'");
  }
  return select_rows(d, rows);
}

Dataset take_first(const Dataset& d, int64_t n) {
  HG_CHECK(n >= 0, "take_first with negative n");
  if (n >= d.n) return d;
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), int64_t{0});
  return select_rows(d, rows);
}

std::pair<Dataset, Dataset> split_validation(const Dataset& d, double frac, uint64_t seed) {
  if (!(frac >= 0.0 && frac < 1.0))
    throw UsageError("validation fraction must be in [0, 1) (got " + std::to_string(frac) + ")");
  const int64_t nv = std::llround(frac * static_cast<double>(d.n));
  std::vector<int64_t> perm(static_cast<size_t>(d.n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  Rng rng(seed);
  rng.shuffle(perm);
  std::vector<int64_t> val(perm.begin(), perm.begin() + nv), train(perm.begin() + nv, perm.end());
  // Sorted so each part keeps the source order (shuffling is the loader's job).
  std::sort(val.begin(), val.end());
  std::sort(train.begin(), train.end());
  Dataset v = select_rows(d, val);
  v.name = d.name + "/val";
  return {select_rows(d, train), std::move(v)};
}

namespace {

[[noreturn]] void bad_list(const std::string& flag, const std::string& text,
                           const std::string& why) {
  throw UsageError(flag + ": bad class list '" + text + "': " + why +
                   " (expected e.g. 0-8, 0,3 or 1-3,7)");
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

int32_t parse_class(const std::string& tok, const std::string& flag, const std::string& text) {
  if (tok.empty()) bad_list(flag, text, "empty entry");
  if (tok[0] == '-') bad_list(flag, text, "negative class '" + tok + "'");
  int64_t v = 0;
  for (char c : tok) {
    if (c < '0' || c > '9') bad_list(flag, text, "'" + tok + "' is not a class number");
    v = v * 10 + (c - '0');
    if (v > INT32_MAX) bad_list(flag, text, "class '" + tok + "' is too large");
  }
  return static_cast<int32_t>(v);
}

}  // namespace

std::vector<int32_t> parse_class_list(const std::string& text, const std::string& flag) {
  if (trim(text).empty()) bad_list(flag, text, "empty list");
  std::vector<int32_t> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string item =
        trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    // A '-' after the first character separates a range; a leading one is a negative number.
    const size_t dash = item.find('-', 1);
    if (dash == std::string::npos || item.empty()) {
      out.push_back(parse_class(item, flag, text));
    } else {
      const int32_t lo = parse_class(trim(item.substr(0, dash)), flag, text);
      const int32_t hi = parse_class(trim(item.substr(dash + 1)), flag, text);
      if (lo > hi) bad_list(flag, text, "reversed range '" + item + "'");
      if (hi - static_cast<int64_t>(lo) > 1000000)
        bad_list(flag, text, "range '" + item + "' is too large");
      for (int64_t c = lo; c <= hi; ++c) out.push_back(static_cast<int32_t>(c));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace hg::data
