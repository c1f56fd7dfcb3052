// The ONNX nodes of inference-time layers (model_layers.h), appended to a graph:
//   Dense -> Gemm (transB = 1: W stays [out, in]); Conv -> Conv; ConvTranspose -> ConvTranspose
//   (output_padding as the engine's); MaxPool -> MaxPool; AvgPool -> AveragePool
//   (count_include_pad = 1: the engine divides by kh*kw); Upsample -> Resize (nearest,
//   asymmetric, floor: PyTorch's nearest for integer factors); BatchNorm -> BatchNormalization
//   (running statistics); Flatten -> Flatten; Unflatten -> Reshape [-1, sizes...];
//   activations -> Relu, LeakyRelu(alpha), Sigmoid, Tanh, Softplus.
// Parameters become initializers named by the checkpoint ("encoder.1.weight").
#pragma once
#include <string>
#include <vector>

#include "apps/export/graph_ir.h"
#include "apps/export/model_layers.h"

namespace hg::exporter {

// Appends the nodes of `layers` reading value `x`; returns the last value's name.
std::string emit_layers(Graph& g, const std::vector<Layer>& layers, const std::string& x);
// One activation on `x` (Act::None returns x).
std::string emit_act(Graph& g, const std::string& x, ops::Act act, float alpha);

}  // namespace hg::exporter
