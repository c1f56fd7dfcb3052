#include "apps/export/graph_builder.h"

#include "apps/export/layer_nodes.h"
#include "apps/export/model_layers.h"
#include "engine/util/error.h"
#include "models/losses.h"

namespace hg::exporter {

Part parse_part(const std::string& name) {
  if (name == "autoencoder") return Part::Autoencoder;
  if (name == "encoder") return Part::Encoder;
  if (name == "decoder") return Part::Decoder;
  if (name == "score") return Part::Score;
  throw UsageError("--part: must be autoencoder, encoder, decoder or score, got '" + name + "'");
}

std::string part_name(Part p) {
  switch (p) {
    case Part::Autoencoder: return "autoencoder";
    case Part::Encoder: return "encoder";
    case Part::Decoder: return "decoder";
    case Part::Score: return "score";
  }
  return "?";
}

namespace {

// The run's scaler on raw rows [N, D]: (x - shift) / scale, in the engine's order of operations
// (data::Scaler::transform), or the x > 0.5 threshold of binarize, written Relu(Sign(x - 0.5))
// (1 above, 0 at and below 0.5: the same values) because OpenCV 4.6 cannot run Greater.
std::string scale_in(Graph& g, const std::string& x, const data::Scaler& s) {
  if (s.kind == data::ScalerKind::None) return x;
  if (s.kind == data::ScalerKind::Binarize) {
    const std::string half = g.constant("scaler.threshold", {1}, {0.5f});
    return g.add("Relu", {g.add("Sign", {g.add("Sub", {x, half})})}, {}, "scaled");
  }
  const int64_t d = static_cast<int64_t>(s.shift.size());
  const std::string shift = g.constant("scaler.shift", {d}, s.shift);
  const std::string scale = g.constant("scaler.scale", {d}, s.scale);
  return g.add("Div", {g.add("Sub", {x, shift}), scale}, {}, "scaled");
}

// Back to the data's units: x * scale + shift (data::Scaler::inverse_transform); binarize has no
// inverse.
std::string scale_out(Graph& g, const std::string& x, const data::Scaler& s) {
  if (s.kind == data::ScalerKind::None || s.kind == data::ScalerKind::Binarize) return x;
  const int64_t d = static_cast<int64_t>(s.shift.size());
  const std::string scale = g.constant("scaler.scale", {d}, s.scale);
  const std::string shift = g.constant("scaler.shift", {d}, s.shift);
  return g.add("Add", {g.add("Mul", {x, scale}), shift});
}

// Autoencoder::to_data: a BCE model with a linear output decodes logits.
std::string to_data(Graph& g, const std::string& x, const run::LoadedRun& r) {
  if (models::recon_kind(r.loss, r.model->output_act()) == ops::ReconKind::BCELogits)
    return g.add("Sigmoid", {x});
  return x;
}

}  // namespace

Graph build_graph(const run::LoadedRun& r, Part part) {
  const ModelLayers m = model_layers(*r.model);
  Graph g;
  const bool from_latent = part == Part::Decoder;
  const std::string in = from_latent ? "latent" : "input";
  g.inputs.push_back({in, {-1, from_latent ? m.latent : m.input}});
  std::string x = in, scaled;
  if (!from_latent) {
    x = scaled = scale_in(g, x, r.scaler);
    x = emit_layers(g, m.encoder, x);
  }
  if (part == Part::Encoder) {
    g.rename(x, "latent");
    g.outputs.push_back({"latent", {-1, m.latent}});
    return g;
  }
  x = to_data(g, emit_layers(g, m.decoder, x), r);
  if (part == Part::Score) {
    // Both sides through a no-op Reshape to [N, D]: OpenCV 4.6 fails on a Sub of two computed
    // values unless both come from the same kind of layer (measured: input - Gemm runs,
    // input - Flatten and Reshape - Gemm do not, Reshape - Reshape always does).
    const std::string rows = g.constant_int64("rows", {-1, m.input});
    const std::string d =
        g.add("Sub", {g.add("Reshape", {scaled, rows}), g.add("Reshape", {x, rows})});
    x = g.add("ReduceMean", {g.add("Mul", {d, d})},
              {attr_ints("axes", {1}), attr_int("keepdims", 0)});
    g.rename(x, "score");
    g.outputs.push_back({"score", {-1}});
    return g;
  }
  x = scale_out(g, x, r.scaler);
  g.rename(x, "reconstruction");
  g.outputs.push_back({"reconstruction", {-1, m.input}});
  return g;
}

}  // namespace hg::exporter
