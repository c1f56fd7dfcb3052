// The graph (graph_ir.h) as a serialized ONNX ModelProto: opset 13 of the default domain,
// IR version 7 (the version opset 13 came with), float32 tensors, initializers as raw
// little-endian data, the batch dimension as the symbolic "N". Built with the ONNX protobuf
// classes (libonnx-dev) when HG_WITH_ONNX is set; without them onnx_available() is false and
// serialize_onnx throws the one-line Error saying what to install.
#pragma once
#include <cstdint>
#include <string>

#include "apps/export/graph_ir.h"

namespace hg::exporter {

inline constexpr int64_t kOpset = 13;
inline constexpr int64_t kIrVersion = 7;

bool onnx_available();
// Error saying what to install unless onnx_available().
void require_onnx();
// `name` becomes the graph's name, `doc` the model's doc_string.
std::string serialize_onnx(const Graph& g, const std::string& name, const std::string& doc);

}  // namespace hg::exporter
