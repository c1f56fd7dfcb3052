#include "apps/export/graph_ir.h"

namespace hg::exporter {

namespace {
Attr named(const std::string& name, Attr::Type type) {
  Attr a;
  a.name = name, a.type = type;
  return a;
}
}  // namespace

Attr attr_int(const std::string& name, int64_t v) {
  Attr a = named(name, Attr::Type::Int);
  a.i = v;
  return a;
}
Attr attr_float(const std::string& name, float v) {
  Attr a = named(name, Attr::Type::Float);
  a.f = v;
  return a;
}
Attr attr_ints(const std::string& name, std::vector<int64_t> v) {
  Attr a = named(name, Attr::Type::Ints);
  a.ints = std::move(v);
  return a;
}
Attr attr_string(const std::string& name, std::string v) {
  Attr a = named(name, Attr::Type::String);
  a.s = std::move(v);
  return a;
}

std::string Graph::unique(const std::string& base) {
  // Names stay readable ("encoder.0.weight") and gain a counter only when taken.
  auto taken = [&](const std::string& n) {
    for (const auto& i : initializers)
      if (i.name == n) return true;
    for (const auto& nd : nodes)
      for (const auto& o : nd.outputs)
        if (o == n) return true;
    for (const auto& v : inputs)
      if (v.name == n) return true;
    return false;
  };
  if (!taken(base)) return base;
  std::string n;
  do n = base + "_" + std::to_string(++counter_);
  while (taken(n));
  return n;
}

std::string Graph::add(const std::string& op, std::vector<std::string> in, std::vector<Attr> attrs,
                       const std::string& out) {
  const std::string name = unique(out.empty() ? op + "_" + std::to_string(nodes.size()) : out);
  nodes.push_back({op, name, std::move(in), {name}, std::move(attrs)});
  return name;
}

std::string Graph::constant(const std::string& name, std::vector<int64_t> dims,
                            std::vector<float> values) {
  const std::string n = unique(name);
  Initializer in;
  in.name = n, in.dims = std::move(dims), in.floats = std::move(values);
  initializers.push_back(std::move(in));
  return n;
}

std::string Graph::constant_int64(const std::string& name, std::vector<int64_t> values) {
  const std::string n = unique(name);
  const int64_t len = static_cast<int64_t>(values.size());
  Initializer in;
  in.name = n, in.dims = {len}, in.ints = std::move(values), in.is_int64 = true;
  initializers.push_back(std::move(in));
  return n;
}

void Graph::rename(const std::string& from, const std::string& to) {
  for (auto& nd : nodes) {
    for (auto& i : nd.inputs)
      if (i == from) i = to;
    for (auto& o : nd.outputs)
      if (o == from) o = to;
  }
}

int64_t Graph::parameter_count() const {
  int64_t n = 0;
  for (const auto& i : initializers) n += static_cast<int64_t>(i.floats.size());
  return n;
}

}  // namespace hg::exporter
