// A trained autoencoder as two flat lists of inference-time layers (encoder, decoder), copied to
// the host: what an exporter needs and nothing of the autograd engine. Dropout is left out (it is
// the identity at inference); batch norm keeps its running statistics (inference form).
//
// Shapes and layouts are the engine's (PyTorch's): Dense weight [out, in]; Conv weight
// [out, in/groups, kh, kw]; ConvTranspose weight [in, out/groups, kh, kw]; images NCHW. The
// encoder takes flat [N, D] rows and ends in the latent [N, k] (a VAE's mean head: what
// Autoencoder::encode returns); the decoder takes [N, k] and ends in the decoder's raw output
// [N, D] (before Autoencoder::to_data).
//
// The layers are read through the public API: dynamic_cast over nn::Sequential, each layer's
// accessors for its settings (strides, padding, activation and slope, eps, shapes) and
// named_parameters()/named_buffers() for the values.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/ops/ops.h"
#include "models/autoencoder.h"

namespace hg::exporter {

struct HostTensor {
  std::vector<int64_t> dims;
  std::vector<float> values;
  bool empty() const { return values.empty(); }
};

enum class LayerKind {
  Dense,          // y = x W^T + b, then act
  Conv,           // 2-D convolution, then act
  ConvTranspose,  // 2-D transposed convolution, then act
  MaxPool,
  AvgPool,     // count_include_pad as the engine (padding counts as zeros)
  Upsample,    // nearest, integer factors in `stride`
  BatchNorm,   // (x - mean) / sqrt(var + eps) * weight + bias, per channel
  Activation,  // act alone
  Flatten,     // [N, d1, d2, ...] -> [N, d1 d2 ...] from `axis`
  Unflatten,   // dimension 1 -> `shape`
};
std::string kind_name(LayerKind k);

struct Layer {
  LayerKind kind = LayerKind::Activation;
  std::string name;                     // checkpoint prefix, e.g. "encoder.1"
  HostTensor weight, bias, mean, var;   // what the kind uses (bias may be empty: none)
  std::vector<int64_t> kernel, stride;  // [h, w]
  std::vector<int64_t> pads;            // [top, left, bottom, right] (ONNX order)
  std::vector<int64_t> dilation{1, 1};  // [h, w]
  std::vector<int64_t> output_padding;  // [h, w], ConvTranspose
  int64_t groups = 1;
  ops::Act act = ops::Act::None;
  float alpha = 0.01f;  // leaky_relu slope
  float eps = 1e-5f;
  int64_t axis = 1;            // Flatten start_dim
  std::vector<int64_t> shape;  // Unflatten sizes (after the batch dimension)
};

struct ModelLayers {
  std::string family;  // mlp | conv | vae
  std::vector<Layer> encoder, decoder;
  int64_t input = 0, latent = 0;
  ops::Act output_act = ops::Act::None;
};

// Error naming the layer when a model holds a layer this exporter does not know.
ModelLayers model_layers(models::Autoencoder& model);

}  // namespace hg::exporter
