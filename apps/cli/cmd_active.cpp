// hourglass active: active learning on a pretrained encoder (apps/transfer/active.h). Every
// strategy's learning curve (test accuracy against labels) from the same initial labels, in one
// table, one chart and one JSON, with the verdict against random sampling.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "apps/analysis/manifold_cluster.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/detect/scores.h"
#include "apps/report/chart.h"
#include "apps/run/run_data.h"
#include "apps/transfer/active.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::cli {

namespace {

using nlohmann::json;

struct ActiveCli {
  std::string run, data, strategies = "random,recon,uncertainty,hybrid,diverse", plot,
                         device = "auto";
  int64_t pool_limit = 0, test_limit = 0, repeats = 1;
  int threads = 0;
  bool force = false, json = false;
  transfer::ActiveOptions a;
};

std::vector<transfer::Strategy> parse_strategies(const std::string& text) {
  std::vector<transfer::Strategy> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ','))
    if (!part.empty()) out.push_back(transfer::parse_strategy(part, "--strategy"));
  if (out.empty()) throw UsageError("--strategy: no strategy given");
  return out;
}

// The pool's reconstruction errors and standardised latent codes, computed once: the encoder
// the strategies look through is the pretrained one, not each round's fine-tuned copy.
transfer::PoolSignals pool_signals(const run::LoadedRun& r, const data::Dataset& pool, Device dev) {
  transfer::PoolSignals s;
  s.recon = detect::mse_scores(*r.model, r.loss, pool.x, pool.n, pool.features(), dev);
  s.code_dim = r.model->latent_dim();
  const std::vector<float> z = run::encode_rows(*r.model, pool.x, pool.n, dev);
  s.codes = analysis::Standardizer::fit(z.data(), pool.n, s.code_dim).transform(z.data(), pool.n);
  return s;
}

void write_plot(const std::string& path, const std::vector<transfer::Curve>& curves,
                const std::string& data) {
  report::Chart c;
  c.title = "Active learning on the pretrained encoder (" + data + ")";
  c.xlabel = "labelled samples";
  c.ylabel = "test accuracy";
  for (const transfer::Curve& cv : curves) {
    report::Series s;
    s.label = transfer::strategy_name(cv.strategy);
    s.kind = report::Series::Kind::Line;
    s.width = 2.0f;
    for (size_t i = 0; i < cv.labels.size(); ++i)
      s.x.push_back(static_cast<double>(cv.labels[i])), s.y.push_back(cv.accuracy[i]);
    c.series.push_back(s);
  }
  report::write_png(c, path);
  report::write_svg(c, std::filesystem::path(path).replace_extension(".svg").string());
}

// Each strategy's accuracy per round averaged over the seeds (every seed's curves come in the
// same strategy order and have the same rounds).
std::vector<transfer::Curve> mean_curves(const std::vector<std::vector<transfer::Curve>>& runs) {
  std::vector<transfer::Curve> mean = runs.front();
  for (size_t i = 0; i < mean.size(); ++i)
    for (size_t t = 0; t < mean[i].accuracy.size(); ++t) {
      double sum = 0;
      for (const auto& run : runs) sum += run[i].accuracy[t];
      mean[i].accuracy[t] = sum / static_cast<double>(runs.size());
    }
  return mean;
}

json curves_json(const std::vector<transfer::Curve>& curves) {
  json out = json::array();
  for (const transfer::Curve& c : curves)
    out.push_back({{"strategy", transfer::strategy_name(c.strategy)},
                   {"labels", c.labels},
                   {"accuracy", c.accuracy}});
  return out;
}

// The best non-random strategy at the last round against random, and whether its curve is above
// random at every round.
json verdict(const std::vector<transfer::Curve>& curves) {
  const transfer::Curve* random = nullptr;
  const transfer::Curve* best = nullptr;
  for (const transfer::Curve& c : curves) {
    if (c.strategy == transfer::Strategy::Random)
      random = &c;
    else if (!best || c.accuracy.back() > best->accuracy.back())
      best = &c;
  }
  if (!random || !best) return nullptr;
  bool above = true;
  for (size_t i = 1; i < best->accuracy.size() && i < random->accuracy.size(); ++i)
    above = above && best->accuracy[i] > random->accuracy[i];  // round 0: the same labels
  return {{"best", transfer::strategy_name(best->strategy)},
          {"labels", best->labels.back()},
          {"best_accuracy", best->accuracy.back()},
          {"random_accuracy", random->accuracy.back()},
          {"gain_points", 100 * (best->accuracy.back() - random->accuracy.back())},
          {"above_random_every_round", above}};
}

void print_table(const std::vector<transfer::Curve>& curves, const json& v, int64_t test_n,
                 int64_t repeats) {
  std::cout << "labels";
  for (const transfer::Curve& c : curves)
    std::cout << "  | " << transfer::strategy_name(c.strategy);
  std::cout << "\n";
  for (size_t i = 0; i < curves.front().labels.size(); ++i) {
    std::cout << curves.front().labels[i];
    for (const transfer::Curve& c : curves)
      std::cout << "  | " << (i < c.accuracy.size() ? fmt::fixed(c.accuracy[i], 4) : "-");
    std::cout << "\n";
  }
  std::cout << "(test accuracy on " << test_n << " samples"
            << (repeats > 1 ? ", mean of " + std::to_string(repeats) + " seeds" : std::string())
            << ")\n";
  if (!v.is_null())
    std::cout << "best: " << v["best"].get<std::string>() << ", "
              << fmt::fixed(v["gain_points"].get<double>(), 2) << " points "
              << (v["gain_points"].get<double>() > 0 ? "above" : "below") << " random at "
              << v["labels"].get<int64_t>() << " labels"
              << (v["above_random_every_round"].get<bool>() ? ", above it at every round"
                                                            : ", not above it at every round")
              << "\n";
}

int run_active(ActiveCli& o) {
  const std::vector<transfer::Strategy> strategies = parse_strategies(o.strategies);
  if (o.a.initial < 2) throw UsageError("--initial must be at least 2");
  if (o.a.rounds < 1 || o.a.rounds > 1000) throw UsageError("--rounds must be between 1 and 1000");
  if (o.repeats > 100) throw UsageError("--repeats must be at most 100");
  if (!o.plot.empty()) run::check_output_file(o.plot, o.force, "--plot");
  o.a.fit.check();
  o.a.fit.device = start_compute(o.threads, o.device);
  run::LoadedRun r = run::load_run(o.run);
  run::DataRequest q{o.data, "train", "", "--classes", o.pool_limit};
  const data::Dataset pool = run::load_for_run(r, q);
  q.split = "test";
  q.limit = o.test_limit;
  const data::Dataset test = run::load_for_run(r, q);
  if (!pool.has_labels()) throw UsageError("--data " + o.data + ": active learning needs labels");
  r.model->to(o.a.fit.device);
  const transfer::PoolSignals signals = pool_signals(r, pool, o.a.fit.device);
  std::vector<std::vector<transfer::Curve>> per_seed;
  for (int64_t k = 0; k < o.repeats; ++k) {  // seeds seed, seed + 1, ...: initial rows and heads
    transfer::ActiveOptions a = o.a;
    a.fit.seed = o.a.fit.seed + static_cast<uint64_t>(k);
    per_seed.emplace_back();
    for (transfer::Strategy s : strategies)
      per_seed.back().push_back(transfer::run_strategy(r, pool, signals, test, s, a, std::cerr));
  }
  const std::vector<transfer::Curve> curves = mean_curves(per_seed);
  const json v = verdict(curves);
  if (!o.plot.empty()) write_plot(o.plot, curves, o.data);
  json out = curves_json(curves), seeds = json::array();
  for (size_t k = 0; k < per_seed.size(); ++k)
    seeds.push_back({{"seed", o.a.fit.seed + k}, {"curves", curves_json(per_seed[k])}});
  json j{{"run", o.run},
         {"data", o.data},
         {"pool_samples", pool.n},
         {"test_samples", test.n},
         {"initial", o.a.initial},
         {"query", o.a.query},
         {"rounds", o.a.rounds},
         {"repeats", o.repeats},
         {"per_seed", seeds},
         {"mode", o.a.fit.mode},
         {"curves", out},
         {"verdict", v},
         {"device", o.a.fit.device.str()}};
  if (!o.plot.empty()) j["plot"] = o.plot;
  if (o.json)
    std::cout << j.dump() << std::endl;
  else
    print_table(curves, v, test.n, o.repeats);
  return 0;
}

}  // namespace

Action add_active(CLI::App& app) {
  auto o = std::make_shared<ActiveCli>();
  app.add_option("--run", o->run, "Run folder whose encoder the classifier starts from")
      ->required();
  app.add_option("--data", o->data, "Labelled data: train split = the pool, test split = accuracy")
      ->required();
  app.add_option("--initial", o->a.initial, "Labels to start from (seeded, the same for all)")
      ->default_val(100)
      ->check(positive_count());
  app.add_option("--query", o->a.query, "Labels asked for per round")
      ->default_val(100)
      ->check(positive_count());
  app.add_option("--rounds", o->a.rounds,
                 "Training rounds (the last at initial + (rounds-1) x query)")
      ->default_val(10)
      ->check(positive_count());
  app.add_option("--strategy", o->strategies,
                 "Comma list of random, recon, uncertainty (margin), hybrid, diverse")
      ->default_val("random,recon,uncertainty,hybrid,diverse");
  app.add_option("--mode", o->a.fit.mode, "frozen or finetune (the encoder during training)")
      ->default_val("finetune");
  app.add_option("--head", o->a.fit.head, "mlp or linear")->default_val("mlp");
  app.add_option("--max-steps", o->a.fit.max_steps, "Most optimizer steps per training stage")
      ->default_val(3000)
      ->check(positive_count());
  app.add_option("--pool-limit", o->pool_limit, "Use the first N training rows as the pool")
      ->check(positive_count());
  app.add_option("--test-limit", o->test_limit, "Use the first N test rows")
      ->check(positive_count());
  app.add_option("--seed", o->a.fit.seed, "Seed of the initial labels, random queries and heads")
      ->check(seed_value());
  app.add_option("--repeats", o->repeats,
                 "Run every strategy with seeds seed, seed + 1, ...; the table, chart and verdict "
                 "use the mean curves")
      ->default_val(1)
      ->check(positive_count());
  app.add_option("--plot", o->plot, "The learning curves (PNG, and an SVG beside it)");
  app.add_flag("--force", o->force, "Overwrite --plot");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_active(*o); };
}

}  // namespace hg::cli
