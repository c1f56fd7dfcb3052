#include "apps/export/layer_nodes.h"

#include "engine/util/error.h"

namespace hg::exporter {

std::string emit_act(Graph& g, const std::string& x, ops::Act act, float alpha) {
  switch (act) {
    case ops::Act::None: return x;
    case ops::Act::ReLU: return g.add("Relu", {x});
    case ops::Act::LeakyReLU: return g.add("LeakyRelu", {x}, {attr_float("alpha", alpha)});
    case ops::Act::Sigmoid: return g.add("Sigmoid", {x});
    case ops::Act::Tanh: return g.add("Tanh", {x});
    case ops::Act::Softplus: return g.add("Softplus", {x});
  }
  throw Error("export: no ONNX form for activation " + ops::act_name(act));
}

namespace {

std::string param(Graph& g, const Layer& l, const char* what, const HostTensor& t) {
  return g.constant(l.name + "." + what, t.dims, t.values);
}

// A bias of zeros when the layer has none: some runtimes want Gemm's C present.
std::string bias_or_zeros(Graph& g, const Layer& l, int64_t n) {
  if (!l.bias.empty()) return param(g, l, "bias", l.bias);
  return g.constant(l.name + ".bias", {n}, std::vector<float>(static_cast<size_t>(n), 0.0f));
}

std::string dense(Graph& g, const Layer& l, const std::string& x) {
  const std::string w = param(g, l, "weight", l.weight);
  const std::string b = bias_or_zeros(g, l, l.weight.dims[0]);
  return g.add("Gemm", {x, w, b}, {attr_int("transB", 1)});
}

std::vector<Attr> conv_attrs(const Layer& l) {
  return {attr_ints("kernel_shape", l.kernel), attr_ints("strides", l.stride),
          attr_ints("pads", l.pads), attr_ints("dilations", l.dilation),
          attr_int("group", l.groups)};
}

std::string conv(Graph& g, const Layer& l, const std::string& x, bool transposed) {
  std::vector<std::string> in{x, param(g, l, "weight", l.weight)};
  if (!l.bias.empty()) in.push_back(param(g, l, "bias", l.bias));
  std::vector<Attr> attrs = conv_attrs(l);
  if (transposed) attrs.push_back(attr_ints("output_padding", l.output_padding));
  return g.add(transposed ? "ConvTranspose" : "Conv", std::move(in), std::move(attrs));
}

std::string pool(Graph& g, const Layer& l, const std::string& x) {
  std::vector<Attr> attrs{attr_ints("kernel_shape", l.kernel), attr_ints("strides", l.stride),
                          attr_ints("pads", l.pads)};
  if (l.kind == LayerKind::MaxPool) return g.add("MaxPool", {x}, std::move(attrs));
  attrs.push_back(attr_int("count_include_pad", 1));
  return g.add("AveragePool", {x}, std::move(attrs));
}

std::string upsample(Graph& g, const Layer& l, const std::string& x) {
  const std::string scales =
      g.constant(l.name + ".scales", {4},
                 {1.0f, 1.0f, static_cast<float>(l.stride[0]), static_cast<float>(l.stride[1])});
  const std::string roi = g.constant(l.name + ".roi", {0}, {});
  return g.add(
      "Resize", {x, roi, scales},
      {attr_string("mode", "nearest"), attr_string("coordinate_transformation_mode", "asymmetric"),
       attr_string("nearest_mode", "floor")});
}

std::string batch_norm(Graph& g, const Layer& l, const std::string& x) {
  const int64_t c = l.mean.dims[0];
  const std::string w = l.weight.empty()
                            ? g.constant(l.name + ".weight", {c}, std::vector<float>(c, 1.0f))
                            : param(g, l, "weight", l.weight);
  const std::string b = bias_or_zeros(g, l, c);
  return g.add("BatchNormalization",
               {x, w, b, param(g, l, "running_mean", l.mean), param(g, l, "running_var", l.var)},
               {attr_float("epsilon", l.eps)});
}

std::string one_layer(Graph& g, const Layer& l, const std::string& x) {
  switch (l.kind) {
    case LayerKind::Dense: return emit_act(g, dense(g, l, x), l.act, l.alpha);
    case LayerKind::Conv: return emit_act(g, conv(g, l, x, false), l.act, l.alpha);
    case LayerKind::ConvTranspose: return emit_act(g, conv(g, l, x, true), l.act, l.alpha);
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: return pool(g, l, x);
    case LayerKind::Upsample: return upsample(g, l, x);
    case LayerKind::BatchNorm: return batch_norm(g, l, x);
    case LayerKind::Activation: return emit_act(g, x, l.act, l.alpha);
    case LayerKind::Flatten: return g.add("Flatten", {x}, {attr_int("axis", l.axis)});
    case LayerKind::Unflatten: {
      std::vector<int64_t> shape{-1};
      shape.insert(shape.end(), l.shape.begin(), l.shape.end());
      return g.add("Reshape", {x, g.constant_int64(l.name + ".shape", shape)});
    }
  }
  throw Error("export: no ONNX form for layer " + l.name);
}

}  // namespace

std::string emit_layers(Graph& g, const std::vector<Layer>& layers, const std::string& x) {
  std::string v = x;
  for (const Layer& l : layers) v = one_layer(g, l, v);
  return v;
}

}  // namespace hg::exporter
