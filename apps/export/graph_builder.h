// One part of a trained run as an ONNX-shaped graph (graph_ir.h), the run's scaler folded in.
// Every part takes float32 rows whose batch dimension is the symbolic "N":
//   autoencoder  input [N, D] raw  -> reconstruction [N, D] raw
//                (scaler, encoder, decoder, Autoencoder::to_data, inverse scaler)
//   encoder      input [N, D] raw  -> latent [N, k]        (a VAE's posterior mean)
//   decoder      latent [N, k]     -> reconstruction [N, D] raw
//   score        input [N, D] raw  -> score [N]: mean over features of
//                (scaled x - to_data(decoded))^2, `hourglass detect`'s mse score
// A binarize scaler thresholds the input (x > 0.5) and has no inverse: outputs stay 0..1. Image
// models take flat rows too: the encoder's first layer reshapes them to NCHW inside the graph.
#pragma once
#include <string>

#include "apps/export/graph_ir.h"
#include "apps/run/run_folder.h"

namespace hg::exporter {

enum class Part { Autoencoder, Encoder, Decoder, Score };
// UsageError naming --part for anything but the four names.
Part parse_part(const std::string& name);
std::string part_name(Part p);

Graph build_graph(const run::LoadedRun& run, Part part);

}  // namespace hg::exporter
