#include "apps/export/describe_parse.h"

#include <cstdlib>

#include "engine/util/error.h"

namespace hg::exporter {

namespace {

[[noreturn]] void bad(const std::string& text, const std::string& key) {
  throw Error("export: cannot read '" + key + "' from layer " + text +
              " (this exporter does not know the layer's format)");
}

// The text after "key=" up to the end of its value: a parenthesised tuple or one token.
bool value_of(const std::string& text, const std::string& key, std::string& out) {
  const std::string k = key + "=";
  size_t p = text.find(k);
  while (p != std::string::npos && p > 0 && text[p - 1] != ' ' && text[p - 1] != '(')
    p = text.find(k, p + 1);  // "padding=" is not the tail of "output_padding="
  if (p == std::string::npos) return false;
  p += k.size();
  size_t e = text[p] == '(' ? text.find(')', p) + 1 : text.find_first_of(",)", p);
  if (e == std::string::npos || e == 0) bad(text, key);
  out = text.substr(p, e - p);
  return true;
}

// "(a, b, c)" or "a" as numbers.
std::vector<double> numbers(const std::string& text, const std::string& key, std::string v) {
  if (!v.empty() && v.front() == '(') v = v.substr(1, v.size() - 2);
  std::vector<double> out;
  const char* s = v.c_str();
  while (*s) {
    char* end = nullptr;
    out.push_back(std::strtod(s, &end));
    if (end == s) bad(text, key);
    s = end;
    while (*s == ',' || *s == ' ') ++s;
  }
  if (out.empty()) bad(text, key);
  return out;
}

std::vector<int64_t> whole(const std::string& text, const std::string& key,
                           const std::vector<double>& v) {
  std::vector<int64_t> out;
  for (double d : v) {
    if (d != static_cast<double>(static_cast<int64_t>(d))) bad(text, key);
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

}  // namespace

std::vector<int64_t> describe_pair(const std::string& text, const std::string& key,
                                   const std::vector<int64_t>& fallback) {
  std::string v;
  if (!value_of(text, key, v)) {
    if (fallback.empty()) bad(text, key);
    return fallback;
  }
  std::vector<int64_t> out = whole(text, key, numbers(text, key, v));
  if (out.size() == 1) out.push_back(out[0]);
  if (out.size() != 2) bad(text, key);
  return out;
}

double describe_real(const std::string& text, const std::string& key) {
  std::string v;
  if (!value_of(text, key, v)) bad(text, key);
  const std::vector<double> out = numbers(text, key, v);
  if (out.size() != 1) bad(text, key);
  return out[0];
}

std::vector<int64_t> describe_tuple(const std::string& text, const std::string& key) {
  std::string v;
  if (!value_of(text, key, v)) bad(text, key);
  return whole(text, key, numbers(text, key, v));
}

int64_t describe_int(const std::string& text, const std::string& key) {
  const std::vector<int64_t> v = describe_tuple(text, key);
  if (v.size() != 1) bad(text, key);
  return v[0];
}

ops::Act describe_act(const std::string& text) {
  for (ops::Act a : {ops::Act::ReLU, ops::Act::LeakyReLU, ops::Act::Sigmoid, ops::Act::Tanh,
                     ops::Act::Softplus}) {
    const std::string name = ops::act_name(a) + ")";
    const size_t n = name.size();
    if (text.size() > n && text.compare(text.size() - n, n, name) == 0) {
      const char before = text[text.size() - n - 1];
      if (before == '(' || before == ' ') return a;
    }
  }
  return ops::Act::None;
}

}  // namespace hg::exporter
