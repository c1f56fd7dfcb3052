// hourglass embed: the latent codes of a data set, as CSV (z0.., label) or .npy.
#include <iostream>

#include "apps/cli/analysis_output.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/run/run_data.h"
#include "engine/dist/comm.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"

namespace hg::cli {

Action add_embed(CLI::App& app) {
  struct Opts {
    run::DataRequest data;
    std::string run, out, device = "auto";
    int threads = 0;
    bool force = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec, "Data to encode")->required();
  app.add_option("--split", o->data.split, "train or test")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels");
  app.add_option("--limit", o->data.limit, "Use the first N samples")->check(positive_count());
  app.add_option("--out", o->out, "FILE.csv (z0.., label) or FILE.npy (the codes alone, float32)")
      ->required();
  app.add_flag("--force", o->force, "Overwrite --out");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    run::check_output_file(o->out, o->force, "--out");
    const Device device = start_compute(o->threads, o->device);
    run::LoadedRun r = run::load_run(o->run);
    r.model->to(device);
    data::Dataset d = run::load_for_run(r, o->data);
    const int64_t k = r.model->latent_dim();
    data::Dataset shard;
    const data::Dataset& mine = run::rank_share(d, shard);  // under mpirun: each rank its rows
    const std::vector<float> z =
        dist::allgather_rows(run::encode_rows(*r.model, mine.x, mine.n, device), d.n, k);
    if (dist::rank() != 0) return 0;
    write_table(o->out, z, d.n, k, "z", d.y);
    nlohmann::json j{{"out", o->out}, {"n", d.n}, {"latent", k}, {"device", device.str()}};
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      std::cout << "wrote the " << k << "-value codes of " << d.n << " samples to " << o->out
                << "\n";
    return 0;
  };
}

}  // namespace hg::cli
