#include "apps/sweep/variants.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "engine/util/error.h"

namespace hg::sweep {

using nlohmann::json;

std::string supported_axes() { return "latent, depth, hidden, loss, decoder-width"; }

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, sep)) out.push_back(part);
  if (!text.empty() && text.back() == sep) out.push_back("");  // "2,4," has an empty value
  return out;
}

// A whole number in [lo, hi], or UsageError naming the axis and the text.
int64_t whole(const std::string& text, int64_t lo, int64_t hi, const std::string& axis) {
  const std::string where = "--vary " + axis + ": ";
  if (text.empty()) throw UsageError(where + "empty value in the list");
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE || text.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(where + "'" + text + "' is not a whole number");
  if (v < lo || v > hi)
    throw UsageError(where + text + " is out of range (" + std::to_string(lo) + " to " +
                     std::to_string(hi) + ")");
  return v;
}

// A factor in (0, 64], or UsageError naming the axis and the text.
double factor(const std::string& text, const std::string& axis) {
  const std::string where = "--vary " + axis + ": ";
  if (text.empty()) throw UsageError(where + "empty value in the list");
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw UsageError(where + "'" + text + "' is not a number");
  if (!(v > 0.0) || v > 64.0)
    throw UsageError(where + text + " is out of range (above 0, at most 64)");
  return v;
}

json parse_value(AxisKind kind, const std::string& text, const std::string& axis) {
  switch (kind) {
    case AxisKind::Latent: return whole(text, 1, 65536, axis);
    case AxisKind::Depth: return whole(text, 0, 16, axis);
    case AxisKind::Hidden: {
      if (text.empty()) throw UsageError("--vary hidden: empty value in the list");
      json widths = json::array();
      for (const std::string& w : split(text, 'x')) {
        if (w.empty()) throw UsageError("--vary hidden: '" + text + "' has an empty width");
        widths.push_back(whole(w, 1, 65536, axis));
      }
      return widths;
    }
    case AxisKind::Loss:
      if (text != "mse" && text != "bce")
        throw UsageError("--vary loss: '" + text + "' is not a loss (mse or bce)");
      return text;
    case AxisKind::DecoderWidth: return factor(text, axis);
  }
  return nullptr;
}

AxisKind axis_kind(const std::string& name) {
  if (name == "latent") return AxisKind::Latent;
  if (name == "depth") return AxisKind::Depth;
  if (name == "hidden") return AxisKind::Hidden;
  if (name == "loss") return AxisKind::Loss;
  if (name == "decoder-width") return AxisKind::DecoderWidth;
  throw UsageError("--vary " + name + ": unknown axis (supported: " + supported_axes() + ")");
}

}  // namespace

Axis parse_axis(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("--vary " + text + ": expected NAME=V1,V2,... (axes: " + supported_axes() +
                     ")");
  Axis a;
  a.name = text.substr(0, eq);
  a.kind = axis_kind(a.name);
  const std::string list = text.substr(eq + 1);
  if (list.empty()) throw UsageError("--vary " + a.name + ": no values after '='");
  for (const std::string& v : split(list, ',')) {
    json value = parse_value(a.kind, v, a.name);
    if (std::find(a.values.begin(), a.values.end(), value) != a.values.end())
      throw UsageError("--vary " + a.name + ": " + v + " is listed twice");
    a.values.push_back(std::move(value));
  }
  return a;
}

std::vector<Axis> parse_axes(const std::vector<std::string>& texts) {
  if (texts.empty())
    throw UsageError("--vary is required (e.g. --vary latent=2,4,8; axes: " + supported_axes() +
                     ")");
  std::vector<Axis> axes;
  for (const std::string& t : texts) {
    Axis a = parse_axis(t);
    for (const Axis& b : axes)
      if (b.kind == a.kind)
        throw UsageError("--vary " + a.name + ": given twice (list every value in one --vary)");
    axes.push_back(std::move(a));
  }
  auto has = [&](AxisKind k) {
    return std::any_of(axes.begin(), axes.end(), [&](const Axis& a) { return a.kind == k; });
  };
  if (has(AxisKind::Depth) && has(AxisKind::Hidden))
    throw UsageError("--vary depth: not with --vary hidden (both set the hidden widths)");
  return axes;
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) return v.dump();
  std::string s;
  for (const json& w : v) s += (s.empty() ? "" : "x") + w.dump();
  return s.empty() ? "none" : s;
}

const json& Variant::get(const std::string& axis) const {
  static const json none;
  for (const auto& [name, value] : settings)
    if (name == axis) return value;
  return none;
}

json Variant::settings_json() const {
  json j = json::object();
  for (const auto& [name, value] : settings) j[name] = value;
  return j;
}

std::vector<Variant> expand(const std::vector<Axis>& axes) {
  std::vector<Variant> out{Variant{}};
  for (const Axis& a : axes) {  // each axis multiplies the list; earlier axes vary slowest
    std::vector<Variant> next;
    for (const Variant& v : out)
      for (const json& value : a.values) {
        Variant w = v;
        w.name += (w.name.empty() ? "" : "_") + a.name + "-" + value_text(value);
        w.settings.emplace_back(a.name, value);
        next.push_back(std::move(w));
      }
    out = std::move(next);
  }
  return out;
}

std::vector<int64_t> depth_widths(const std::vector<int64_t>& hidden, int64_t depth,
                                  int64_t latent) {
  std::vector<int64_t> w(hidden.begin(), hidden.begin() + std::min<int64_t>(depth, hidden.size()));
  while (static_cast<int64_t>(w.size()) < depth) {
    const int64_t last = w.empty() ? 2 * latent : w.back();  // no list at all: start at 2 x latent
    w.push_back(std::max<int64_t>(last / 2, std::max<int64_t>(latent, 1)));
  }
  return w;
}

namespace {

void set_depth(json& j, int64_t depth, const std::string& type, const std::string& origin) {
  const std::string where = "--vary depth: " + origin;
  if (type == "conv") {
    const auto channels = j.value("channels", std::vector<int64_t>{});
    if (depth < 1 || depth > static_cast<int64_t>(channels.size()))
      throw UsageError(where + " is a conv model with " + std::to_string(channels.size()) +
                       " 'channels'; depth must be between 1 and " +
                       std::to_string(channels.size()) + " (got " + std::to_string(depth) + ")");
    j["channels"] = std::vector<int64_t>(channels.begin(), channels.begin() + depth);
    return;
  }
  if (!j.contains("hidden") || !j["hidden"].is_array())
    throw UsageError(where +
                     " has no list of 'hidden' widths (\"auto\" sizes them from the data);"
                     " vary hidden instead, or give the config a list");
  const int64_t latent =
      j.value("latent", json()).is_number_integer() ? j["latent"].get<int64_t>() : 1;
  j["hidden"] = depth_widths(j["hidden"].get<std::vector<int64_t>>(), depth, latent);
}

// decoder_hidden = the encoder's widths reversed, each times f (rounded, at least 1).
void set_decoder_width(json& j, double f, const std::string& type, const std::string& origin) {
  if (type != "mlp")
    throw UsageError("--vary decoder-width: " + origin + " is a " + type +
                     " model, whose decoder mirrors its encoder; decoder-width applies to mlp "
                     "models");
  if (!j.contains("hidden") || !j["hidden"].is_array())
    throw UsageError("--vary decoder-width: " + origin +
                     " has no list of 'hidden' widths to scale (\"auto\" sizes them from the "
                     "data); give the config a list");
  const auto hidden = j["hidden"].get<std::vector<int64_t>>();
  std::vector<int64_t> dec;
  for (auto it = hidden.rbegin(); it != hidden.rend(); ++it)
    dec.push_back(std::max<int64_t>(1, std::llround(static_cast<double>(*it) * f)));
  j["decoder_hidden"] = dec;
}

}  // namespace

json variant_model_config(const json& base, const Variant& v, const std::string& origin) {
  json j = base;
  const std::string type = base.value("type", std::string("mlp"));
  if (const json& latent = v.get("latent"); !latent.is_null()) j["latent"] = latent;
  if (const json& hidden = v.get("hidden"); !hidden.is_null()) {
    if (type == "conv")
      throw UsageError("--vary hidden: " + origin +
                       " is a conv model (its widths are 'channels'); hidden applies to mlp and "
                       "vae models; vary depth or latent");
    j["hidden"] = hidden;
  }
  if (const json& depth = v.get("depth"); !depth.is_null())
    set_depth(j, depth.get<int64_t>(), type, origin);
  if (const json& dw = v.get("decoder-width"); !dw.is_null())
    set_decoder_width(j, dw.get<double>(), type, origin);
  j["name"] = base.value("name", std::string("model")) + "-" + v.name;
  return j;
}

std::string variant_loss(const Variant& v) {
  const json& loss = v.get("loss");
  return loss.is_null() ? std::string() : loss.get<std::string>();
}

}  // namespace hg::sweep
