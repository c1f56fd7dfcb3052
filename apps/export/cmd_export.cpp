// hourglass export: one part of a trained run as a standard ONNX model (opset 13), the run's
// scaler folded in, so any ONNX runtime computes from raw rows what the engine computes
// (graph_builder.h lists the parts). The file is written atomically; an existing --out needs
// --force.
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/export/graph_builder.h"
#include "apps/export/onnx_writer.h"
#include "apps/run/run_data.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

namespace hg::cli {

namespace {

nlohmann::json shape_json(const std::vector<int64_t>& dims) {
  nlohmann::json j = nlohmann::json::array();
  for (int64_t d : dims) d < 0 ? j.push_back("N") : j.push_back(d);
  return j;
}

nlohmann::json values_json(const std::vector<exporter::ValueInfo>& vs) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& v : vs) j.push_back({{"name", v.name}, {"shape", shape_json(v.dims)}});
  return j;
}

std::string shape_text(const exporter::ValueInfo& v) {
  std::string s = v.name + " [";
  for (size_t i = 0; i < v.dims.size(); ++i)
    s += (i ? ", " : "") + (v.dims[i] < 0 ? std::string("N") : std::to_string(v.dims[i]));
  return s + "]";
}

}  // namespace

Action add_export(CLI::App& app) {
  struct Opts {
    std::string run, out, part = "autoencoder";
    bool force = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--out", o->out, "FILE.onnx to write")->required();
  app.add_option("--part", o->part, "autoencoder (default), encoder, decoder or score");
  app.add_flag("--force", o->force, "Overwrite --out");
  app.add_flag("--json", o->json, "Print a JSON summary");
  return [o]() {
    const exporter::Part part = exporter::parse_part(o->part);
    exporter::require_onnx();
    run::check_output_file(o->out, o->force, "--out");
    const run::LoadedRun r = run::load_run(o->run);
    const exporter::Graph g = exporter::build_graph(r, part);
    const std::string name = "hourglass_" + exporter::part_name(part);
    const std::string doc = "Hourglass " + exporter::part_name(part) + " of run " + o->run + " (" +
                            r.model->describe() + ", scaler " + data::to_string(r.scaler.kind) +
                            ", loss " + r.loss + ")";
    io::write_file_atomic(o->out, exporter::serialize_onnx(g, name, doc));
    nlohmann::json j{{"part", exporter::part_name(part)},
                     {"out", o->out},
                     {"opset", exporter::kOpset},
                     {"ir_version", exporter::kIrVersion},
                     {"nodes", g.nodes.size()},
                     {"inputs", values_json(g.inputs)},
                     {"outputs", values_json(g.outputs)},
                     {"parameters", g.parameter_count()},
                     {"scaler", data::to_string(r.scaler.kind)},
                     {"loss", r.loss}};
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      std::cout << "wrote the " << exporter::part_name(part) << " of " << o->run << " to " << o->out
                << " (ONNX opset " << exporter::kOpset << ", " << g.nodes.size() << " nodes, "
                << g.parameter_count() << " parameters): " << shape_text(g.inputs[0]) << " -> "
                << shape_text(g.outputs[0]) << "\n";
    return 0;
  };
}

}  // namespace hg::cli
