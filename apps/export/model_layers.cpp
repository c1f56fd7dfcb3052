#include "apps/export/model_layers.h"

#include "engine/nn/conv_layers.h"
#include "engine/util/error.h"
#include "models/conv_autoencoder.h"
#include "models/mlp_autoencoder.h"
#include "models/vae.h"

namespace hg::exporter {

using nn::Size2;

std::string kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Dense: return "dense";
    case LayerKind::Conv: return "conv";
    case LayerKind::ConvTranspose: return "conv_transpose";
    case LayerKind::MaxPool: return "max_pool";
    case LayerKind::AvgPool: return "avg_pool";
    case LayerKind::Upsample: return "upsample";
    case LayerKind::BatchNorm: return "batch_norm";
    case LayerKind::Activation: return "activation";
    case LayerKind::Flatten: return "flatten";
    case LayerKind::Unflatten: return "unflatten";
  }
  return "?";
}

namespace {

HostTensor host(const Tensor& t) { return {t.shape(), t.to(Device::cpu()).to_vector()}; }

// One of the module's own tensors by its local name; empty when it has none (a layer without bias).
HostTensor state_of(const nn::Module& m, const std::string& key) {
  for (const auto& [name, t] : m.named_state())
    if (name == key) return host(t);
  return {};
}

Layer of_kind(LayerKind kind) {
  Layer l;
  l.kind = kind;
  return l;
}

// A layer with its weight and (possibly absent) bias.
Layer with_params(LayerKind kind, const nn::Module& m) {
  Layer l = of_kind(kind);
  l.weight = state_of(m, "weight"), l.bias = state_of(m, "bias");
  return l;
}

std::vector<int64_t> pair_of(Size2 s) { return {s.h, s.w}; }
std::vector<int64_t> pads_of(Size2 p) { return {p.h, p.w, p.h, p.w}; }

Layer dense(const nn::Linear& l) {
  Layer out = with_params(LayerKind::Dense, l);
  out.act = l.act(), out.alpha = l.alpha();
  return out;
}

// Conv2d and ConvTranspose2d share their options; the kernel size is the weight's last two dims.
template <class ConvLayer>
Layer conv(const ConvLayer& c, LayerKind kind) {
  const nn::ConvOptions& o = c.options();
  Layer out = with_params(kind, c);
  out.kernel = {out.weight.dims[2], out.weight.dims[3]};
  out.stride = pair_of(o.stride);
  out.pads = pads_of(o.padding);
  out.dilation = pair_of(o.dilation);
  if (kind == LayerKind::ConvTranspose) out.output_padding = pair_of(o.output_padding);
  out.groups = o.groups, out.act = o.act, out.alpha = o.alpha;
  return out;
}

template <class Pool>
Layer pool(const Pool& p, LayerKind kind) {
  Layer out = of_kind(kind);
  out.kernel = pair_of(p.kernel());
  out.stride = pair_of(p.stride());
  out.pads = pads_of(p.padding());
  return out;
}

Layer batch_norm(const nn::BatchNorm2d& b) {
  Layer out = with_params(LayerKind::BatchNorm, b);
  out.mean = host(b.running_mean()), out.var = host(b.running_var());
  out.eps = b.eps();
  return out;
}

// The layers that carry no tensors: upsampling, a lone activation, the reshapes.
bool read_shape_layer(const nn::Module& m, Layer& out) {
  if (auto* u = dynamic_cast<const nn::Upsample*>(&m)) {
    out = of_kind(LayerKind::Upsample);
    out.stride = pair_of(u->scale());
  } else if (auto* a = dynamic_cast<const nn::Activation*>(&m)) {
    out = of_kind(LayerKind::Activation);
    out.act = a->act(), out.alpha = a->alpha();
  } else if (auto* f = dynamic_cast<const nn::Flatten*>(&m)) {
    out = of_kind(LayerKind::Flatten);
    out.axis = f->start_dim();
  } else if (auto* uf = dynamic_cast<const nn::Unflatten*>(&m)) {
    if (uf->dim() != 1) throw Error("export: only Unflatten(dim=1) is supported: " + m.describe());
    out = of_kind(LayerKind::Unflatten);
    out.shape = uf->sizes();
  } else {
    return false;
  }
  return true;
}

// One module as a layer; false for the ones inference skips (dropout, training noise).
bool read_layer(const nn::Module& m, Layer& out) {
  if (auto* l = dynamic_cast<const nn::Linear*>(&m)) return out = dense(*l), true;
  if (auto* c = dynamic_cast<const nn::Conv2d*>(&m)) return out = conv(*c, LayerKind::Conv), true;
  if (auto* t = dynamic_cast<const nn::ConvTranspose2d*>(&m))
    return out = conv(*t, LayerKind::ConvTranspose), true;
  if (auto* p = dynamic_cast<const nn::MaxPool2d*>(&m))
    return out = pool(*p, LayerKind::MaxPool), true;
  if (auto* p = dynamic_cast<const nn::AvgPool2d*>(&m))
    return out = pool(*p, LayerKind::AvgPool), true;
  if (auto* b = dynamic_cast<const nn::BatchNorm2d*>(&m)) return out = batch_norm(*b), true;
  if (dynamic_cast<const nn::Dropout*>(&m) || dynamic_cast<const nn::GaussianNoise*>(&m))
    return false;
  if (read_shape_layer(m, out)) return true;
  throw Error("export: no ONNX form for layer " + m.describe());
}

void walk(const nn::Sequential& seq, const std::string& prefix, std::vector<Layer>& out) {
  for (size_t i = 0; i < seq.size(); ++i) {
    Layer l;
    if (!read_layer(seq[i], l)) continue;
    l.name = prefix + "." + std::to_string(i);
    out.push_back(std::move(l));
  }
}

// The VAE keeps its trunk and heads private: its layers follow from the config and the
// checkpoint names ("encoder.i", "mu", "decoder.i"; models/vae.cpp).
ModelLayers vae_layers(const models::Vae& vae) {
  const models::VaeConfig& cfg = vae.config();
  ModelLayers out;
  out.family = "vae";
  auto linear = [&](const std::string& name, ops::Act act) {
    Layer l = of_kind(LayerKind::Dense);
    l.name = name;
    for (const auto& [n, t] : vae.named_parameters()) {
      if (n == name + ".weight") l.weight = host(t);
      if (n == name + ".bias") l.bias = host(t);
    }
    if (l.weight.empty()) throw Error("export: the VAE has no parameter " + name + ".weight");
    l.act = act, l.alpha = cfg.alpha;
    return l;
  };
  for (size_t i = 0; i < cfg.hidden.size(); ++i)
    out.encoder.push_back(linear("encoder." + std::to_string(i), cfg.act));
  out.encoder.push_back(linear("mu", ops::Act::None));  // encode() returns the mean
  for (size_t i = 0; i <= cfg.hidden.size(); ++i)
    out.decoder.push_back(
        linear("decoder." + std::to_string(i), i == cfg.hidden.size() ? cfg.output_act : cfg.act));
  return out;
}

}  // namespace

ModelLayers model_layers(models::Autoencoder& model) {
  ModelLayers out;
  if (auto* vae = dynamic_cast<models::Vae*>(&model)) {
    out = vae_layers(*vae);
  } else if (auto* mlp = dynamic_cast<models::MlpAutoencoder*>(&model)) {
    out.family = "mlp";
    walk(mlp->encoder(), "encoder", out.encoder);
    walk(mlp->decoder(), "decoder", out.decoder);
  } else if (auto* cnn = dynamic_cast<models::ConvAutoencoder*>(&model)) {
    out.family = "conv";
    walk(cnn->encoder(), "encoder", out.encoder);
    walk(cnn->decoder(), "decoder", out.decoder);
  } else {
    throw Error("export: no ONNX form for the model " + model.describe());
  }
  out.input = model.input_dim(), out.latent = model.latent_dim();
  out.output_act = model.output_act();
  return out;
}

}  // namespace hg::exporter
