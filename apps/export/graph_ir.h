// A small ONNX-shaped graph held in plain structs: nodes in topological order, float/int64
// initializers and the graph's inputs and outputs. The graph builder writes it without protobuf
// (so it builds and is testable where libonnx-dev is missing); onnx_writer turns it into a
// ModelProto. Dimension -1 in an input/output shape is the symbolic batch dimension "N".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hg::exporter {

struct Attr {
  enum class Type { Int, Float, Ints, String };
  std::string name;
  Type type = Type::Int;
  int64_t i = 0;
  float f = 0.0f;
  std::vector<int64_t> ints;
  std::string s;
};
Attr attr_int(const std::string& name, int64_t v);
Attr attr_float(const std::string& name, float v);
Attr attr_ints(const std::string& name, std::vector<int64_t> v);
Attr attr_string(const std::string& name, std::string v);

struct Node {
  std::string op, name;
  std::vector<std::string> inputs, outputs;
  std::vector<Attr> attrs;
};

struct Initializer {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> floats;  // float32 data, or
  std::vector<int64_t> ints;  // int64 data (Reshape's shape) when is_int64
  bool is_int64 = false;
};

struct ValueInfo {
  std::string name;
  std::vector<int64_t> dims;  // -1 = "N"
};

class Graph {
 public:
  // Appends a node with one output named after it ("<op>_<k>" unless `out` is given) and returns
  // the output's name.
  std::string add(const std::string& op, std::vector<std::string> inputs,
                  std::vector<Attr> attrs = {}, const std::string& out = "");
  // Adds a float initializer named `name` (made unique) and returns its name.
  std::string constant(const std::string& name, std::vector<int64_t> dims,
                       std::vector<float> values);
  std::string constant_int64(const std::string& name, std::vector<int64_t> values);
  // Renames the value `from` to `to` everywhere (the graph's output gets its public name).
  void rename(const std::string& from, const std::string& to);

  int64_t parameter_count() const;  // float initializer elements

  std::vector<Node> nodes;
  std::vector<Initializer> initializers;
  std::vector<ValueInfo> inputs, outputs;

 private:
  std::string unique(const std::string& base);
  int64_t counter_ = 0;
};

}  // namespace hg::exporter
