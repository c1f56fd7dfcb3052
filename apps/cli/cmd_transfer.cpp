// hourglass transfer: a classifier on a trained autoencoder's codes from few labels, against the
// same network trained from scratch on those labels alone (the seeds' exercises 3 and 4).
#include <iostream>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/run/run_data.h"
#include "apps/transfer/transfer.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "kernels/cpu/parallel.h"

namespace hg::cli {

namespace {

std::vector<int64_t> parse_sweep(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      size_t used = 0;
      const long long v = std::stoll(part, &used);
      if (used != part.size() || v < 1) throw std::invalid_argument("bad");
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError("--sweep expects positive counts separated by commas (e.g. 100,500,1000), got '" + s + "'");
    }
  }
  if (out.empty()) throw UsageError("--sweep: no counts given");
  return out;
}

}  // namespace

Action add_transfer(CLI::App& app) {
  struct Opts {
    std::string run, data, test_data, sweep, device = "auto";
    int64_t labels = 1000;
    bool freeze = false, finetune = false, json = false;
    int threads = 0;
    transfer::Options t;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder whose encoder is transferred")->required();
  app.add_option("--data", o->data, "Labelled data: its train split gives the labelled samples, its test split the accuracy")
      ->required();
  app.add_option("--labels", o->labels, "Labelled training samples (a seeded random subset)")->default_val(1000);
  app.add_option("--sweep", o->sweep, "Several label counts, e.g. 100,500,1000,5000 (overrides --labels)");
  app.add_flag("--freeze", o->freeze, "Keep the encoder fixed and train only the head (the default)");
  app.add_flag("--finetune", o->finetune, "Train the encoder along with the head");
  app.add_option("--head", o->t.head, "linear or mlp (128 ReLU units)")->default_val("linear");
  app.add_option("--epochs", o->t.epochs, "Epochs over the labelled samples (0: about 1,000 steps)")->default_val(0);
  app.add_option("--batch", o->t.batch, "Batch size")->default_val(64);
  app.add_option("--lr", o->t.lr, "Adam learning rate")->default_val(1e-3);
  app.add_option("--seed", o->t.seed, "Seed of the subset, the head and the from-scratch encoder");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    if (o->freeze && o->finetune) throw UsageError("--freeze and --finetune exclude each other");
    if (o->labels < 1) throw UsageError("--labels must be at least 1");
    o->t.finetune = o->finetune;
    const std::vector<int64_t> counts = o->sweep.empty() ? std::vector<int64_t>{o->labels} : parse_sweep(o->sweep);
    o->t.device = start_compute(o->threads, o->device);
    run::LoadedRun r = run::load_run(o->run);
    run::DataRequest qtrain, qtest;
    qtrain.spec = qtest.spec = o->data;
    qtrain.split = "train";
    qtest.split = "test";
    const data::Dataset train_all = run::load_for_run(r, qtrain);
    const data::Dataset test = run::load_for_run(r, qtest);
    nlohmann::json rows = nlohmann::json::array();
    std::ostringstream table;
    table << "labels  transfer  scratch\n";
    for (int64_t n : counts) {
      const data::Dataset train = transfer::labelled_subset(train_all, n, o->t.seed);
      // Fine-tuning changes the encoder: every count starts again from the saved one.
      run::LoadedRun fresh = o->finetune ? run::load_run(o->run) : r;
      const transfer::Result a = transfer::train_classifier(fresh, train, test, o->t, false, std::cerr);
      const transfer::Result b = transfer::train_classifier(r, train, test, o->t, true, std::cerr);
      rows.push_back({{"labels", train.n}, {"transfer_accuracy", a.accuracy}, {"scratch_accuracy", b.accuracy},
                      {"transfer_seconds", a.seconds}, {"scratch_seconds", b.seconds}});
      table << train.n << "\t" << fmt::fixed(a.accuracy, 4) << "    " << fmt::fixed(b.accuracy, 4) << "\n";
    }
    nlohmann::json j{{"run", o->run}, {"data", o->data}, {"head", o->t.head},
                     {"encoder", o->finetune ? "finetune" : "frozen"}, {"results", rows},
                     {"test_samples", test.n}, {"device", o->t.device.str()}};
    if (counts.size() == 1) {
      j["accuracy"] = rows[0]["transfer_accuracy"];
      j["scratch_accuracy"] = rows[0]["scratch_accuracy"];
    }
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      std::cout << table.str() << "(test accuracy on " << test.n << " samples; encoder "
                << (o->finetune ? "fine-tuned" : "frozen") << ", " << o->t.head << " head)\n";
    return 0;
  };
}

}  // namespace hg::cli
