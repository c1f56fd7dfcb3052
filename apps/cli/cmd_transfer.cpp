// hourglass transfer: classifiers from few labels on pretrained encoders (frozen, fine-tuned)
// against the same network trained from scratch on those labels alone (the seeds' part 4 and
// exercises 3 and 4). Several --run folders give the domain-transfer table in one command (an
// MNIST encoder on Fashion-MNIST beside a Fashion encoder and scratch).
#include <filesystem>
#include <iostream>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/report/chart.h"
#include "apps/run/run_data.h"
#include "apps/transfer/transfer.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

std::vector<int64_t> parse_sweep(const std::string& s) {
  std::vector<int64_t> out;
  for (const std::string& part : split_list(s)) {
    try {
      size_t used = 0;
      const long long v = std::stoll(part, &used);
      if (used != part.size() || v < 1) throw std::invalid_argument("bad");
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError(
          "--sweep expects positive counts separated by commas (e.g. 100,500,1000), got '" + s +
          "'");
    }
  }
  if (out.empty()) throw UsageError("--sweep: no counts given");
  return out;
}

// One column of the table: a pretrained run in one mode, or the from-scratch network.
struct Column {
  std::string name, mode;
  size_t run = 0;           // index into the runs (scratch: the first run's architecture)
  std::vector<double> acc;  // per count: mean test accuracy over the repeats
};

void write_plot(const std::string& path, const std::vector<int64_t>& counts,
                const std::vector<Column>& cols, const std::string& data) {
  report::Chart c;
  c.title = "Test accuracy from few labels (" + data + ")";
  c.xlabel = "labelled samples, log10 (2 = 100, 3 = 1,000)";
  c.ylabel = "test accuracy";
  for (const Column& col : cols) {
    report::Series s;
    s.label = col.name;
    s.kind = report::Series::Kind::Line;
    s.width = 2.0f;
    for (size_t i = 0; i < counts.size(); ++i)
      s.x.push_back(std::log10(static_cast<double>(counts[i]))), s.y.push_back(col.acc[i]);
    c.series.push_back(s);
  }
  report::write_png(c, path);
  report::write_svg(c, fs::path(path).replace_extension(".svg").string());
}

struct TransferOptions {
  std::string runs, data, sweep, modes = "frozen,finetune", plot, device = "auto";
  int64_t labels = 1000, repeats = 1;
  bool finetune = false, freeze = false, no_scratch = false, json = false;
  int threads = 0;
  transfer::Options t;
};

// Every --run folder with the --data train and test splits scaled for that run's model.
struct LoadedRuns {
  std::vector<run::LoadedRun> runs;
  std::vector<data::Dataset> trains, tests;
};

LoadedRuns load_runs(const std::vector<std::string>& dirs, const std::string& data) {
  LoadedRuns l;
  for (const std::string& d : dirs) {
    l.runs.push_back(run::load_run(d));
    run::DataRequest q;
    q.spec = data;
    q.split = "train";
    l.trains.push_back(run::load_for_run(l.runs.back(), q));
    q.split = "test";
    l.tests.push_back(run::load_for_run(l.runs.back(), q));
  }
  return l;
}

// Each run in each mode, then scratch last (the verdict reads scratch as the last column).
std::vector<Column> make_columns(const std::vector<std::string>& dirs, size_t nruns,
                                 const std::vector<std::string>& modes, bool no_scratch) {
  std::vector<Column> cols;
  for (size_t r = 0; r < nruns; ++r)
    for (const std::string& m : modes)
      cols.push_back({(nruns > 1 ? dirs[r] + " " : std::string()) +
                          (m == "frozen" ? "frozen encoder" : "fine-tuned encoder"),
                      m,
                      r,
                      {}});
  if (!no_scratch) cols.push_back({"from scratch", "scratch", 0, {}});
  return cols;
}

// One row per label count: every column's mean accuracy over the repeats, each repeat on its
// own seeded subset. Fills each column's acc as it goes.
json accuracy_rows(std::vector<Column>& cols, const std::vector<int64_t>& counts,
                   const LoadedRuns& l, const std::vector<std::string>& dirs,
                   const TransferOptions& o) {
  json rows = json::array();
  for (int64_t n : counts) {
    json row{{"labels", n}, {"columns", json::array()}};
    for (Column& col : cols) {
      double sum = 0;
      json per = json::array();
      for (int64_t rep = 0; rep < o.repeats; ++rep) {
        transfer::Options t = o.t;
        t.mode = col.mode;
        t.seed = o.t.seed + 1000003ULL * static_cast<uint64_t>(rep);
        const data::Dataset train = transfer::labelled_subset(l.trains[col.run], n, t.seed);
        const transfer::Result res =
            transfer::train_classifier(l.runs[col.run], train, l.tests[col.run], t, std::cerr);
        row["labels"] = train.n;
        sum += res.accuracy;
        per.push_back(res.accuracy);
      }
      col.acc.push_back(sum / static_cast<double>(o.repeats));
      json c{{"name", col.name},
             {"run", dirs[col.run]},
             {"mode", col.mode},
             {"accuracy", col.acc.back()}};
      if (o.repeats > 1) c["each"] = per;
      row["columns"].push_back(c);
      if (col.run == 0)
        row[col.mode] = col.acc.back();  // "frozen", "finetune", "scratch" of the first run
    }
    rows.push_back(row);
  }
  return rows;
}

// The verdict: the best pretrained column against scratch, count by count.
json verdict_rows(const std::vector<Column>& cols, const std::vector<int64_t>& counts,
                  const json& rows, bool no_scratch) {
  json verdict = json::array();
  for (size_t i = 0; i < counts.size() && !no_scratch; ++i) {
    double best = -1;
    std::string best_name;
    for (const Column& col : cols)
      if (col.mode != "scratch" && col.acc[i] > best) best = col.acc[i], best_name = col.name;
    if (best < 0) break;
    verdict.push_back({{"labels", rows[i]["labels"]},
                       {"best_pretrained", best_name},
                       {"pretrained", best},
                       {"scratch", cols.back().acc[i]},
                       {"gain", best - cols.back().acc[i]}});
  }
  return verdict;
}

void print_table(const std::vector<Column>& cols, const std::vector<int64_t>& counts,
                 const json& rows, int64_t test_samples, const std::string& head) {
  std::cout << "labels";
  for (const Column& c : cols) std::cout << "  | " << c.name;
  std::cout << "\n";
  for (size_t i = 0; i < counts.size(); ++i) {
    std::cout << rows[i]["labels"].get<int64_t>();
    for (const Column& c : cols) std::cout << "  | " << fmt::fixed(c.acc[i], 4);
    std::cout << "\n";
  }
  std::cout << "(test accuracy on " << test_samples << " samples, " << head << " head)\n";
}

int run_transfer(TransferOptions& o) {
  if (o.freeze && o.finetune) throw UsageError("--freeze and --finetune exclude each other");
  if (o.freeze) o.modes = "frozen";
  if (o.finetune) o.modes = "finetune";
  if (o.labels < 1) throw UsageError("--labels must be at least 1");
  if (o.repeats < 1 || o.repeats > 100) throw UsageError("--repeats must be between 1 and 100");
  const std::vector<std::string> modes = split_list(o.modes);
  for (const std::string& m : modes)
    if (m != "frozen" && m != "finetune")
      throw UsageError("--modes: unknown mode '" + m + "' (frozen or finetune)");
  if (!o.plot.empty()) run::check_output_file(o.plot, true, "--plot");
  o.t.check();
  const std::vector<int64_t> counts =
      o.sweep.empty() ? std::vector<int64_t>{o.labels} : parse_sweep(o.sweep);
  o.t.device = start_compute(o.threads, o.device);
  const std::vector<std::string> dirs = split_list(o.runs);
  if (dirs.empty()) throw UsageError("--run: no run folder given");
  const LoadedRuns l = load_runs(dirs, o.data);
  std::vector<Column> cols = make_columns(dirs, l.runs.size(), modes, o.no_scratch);
  if (cols.empty())
    throw UsageError("transfer: nothing to compare (give --modes, or drop --no-scratch)");

  const json rows = accuracy_rows(cols, counts, l, dirs, o);
  const json verdict = verdict_rows(cols, counts, rows, o.no_scratch);
  if (!o.plot.empty()) write_plot(o.plot, counts, cols, o.data);
  json j{{"runs", dirs},
         {"data", o.data},
         {"head", o.t.head},
         {"modes", modes},
         {"results", rows},
         {"verdict", verdict},
         {"repeats", o.repeats},
         {"test_samples", l.tests[0].n},
         {"device", o.t.device.str()}};
  if (!o.plot.empty()) j["plot"] = o.plot;
  if (counts.size() == 1)
    for (const std::string& m :
         {std::string("frozen"), std::string("finetune"), std::string("scratch")})
      if (rows[0].contains(m)) j[m] = rows[0][m];
  if (o.json) {
    std::cout << j.dump() << std::endl;
    return 0;
  }
  print_table(cols, counts, rows, l.tests[0].n, o.t.head);
  return 0;
}

}  // namespace

Action add_transfer(CLI::App& app) {
  auto o = std::make_shared<TransferOptions>();
  app.add_option("--run", o->runs,
                 "Run folder(s) whose encoder is transferred (a comma list compares encoders)")
      ->required();
  app.add_option(
         "--data", o->data,
         "Labelled data: its train split gives the labelled samples, its test split the accuracy")
      ->required();
  app.add_option("--labels", o->labels, "Labelled training samples (a seeded random subset)")
      ->default_val(1000);
  app.add_option("--sweep", o->sweep,
                 "Several label counts, e.g. 100,500,1000,5000 (overrides --labels)");
  app.add_option("--modes", o->modes,
                 "Pretrained modes to compare: frozen, finetune (LP-FT) or both")
      ->default_val("frozen,finetune");
  app.add_flag("--freeze", o->freeze, "Only the frozen encoder (same as --modes frozen)");
  app.add_flag("--finetune", o->finetune, "Only the fine-tuned encoder (same as --modes finetune)");
  app.add_flag("--no-scratch", o->no_scratch, "Leave out the from-scratch baseline");
  app.add_option("--head", o->t.head, "mlp (the seeds' 128-unit head with dropout) or linear")
      ->default_val("mlp");
  app.add_option("--lr", o->t.lr, "Adam learning rate of the head (and of scratch)")
      ->default_val(1e-3);
  app.add_option("--encoder-lr-ratio", o->t.encoder_lr_ratio,
                 "Fine-tuning: encoder rate = --lr times this")
      ->default_val(0.1);
  app.add_option("--batch", o->t.batch, "Batch size")->default_val(64)->check(positive_count());
  app.add_option("--max-steps", o->t.max_steps, "Most optimizer steps per training stage")
      ->default_val(3000);
  app.add_option("--patience", o->t.patience,
                 "Validation checks (every 25 steps) without improvement before a stage ends")
      ->default_val(8)
      ->check(positive_count());
  app.add_option("--val-fraction", o->t.val_fraction,
                 "Share of the labels held out for early stopping (0: none)")
      ->default_val(0.2);
  app.add_option("--repeats", o->repeats, "Average over this many seeded label subsets")
      ->default_val(1)
      ->check(positive_count());
  app.add_option("--seed", o->t.seed,
                 "Seed of the subsets, the heads and the from-scratch networks")
      ->check(seed_value());
  app.add_option("--plot", o->plot,
                 "Write the accuracy-vs-labels chart here (PNG, and an SVG beside it)");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_transfer(*o); };
}

}  // namespace hg::cli
