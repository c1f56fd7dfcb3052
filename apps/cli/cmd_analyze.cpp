// hourglass analyze {pca, kmeans, silhouette, tsne}: the host-side analysis tools on any data set
// or latent table (e.g. one written by hourglass embed), with timings and quality figures.
#include <chrono>
#include <iostream>
#include <sstream>

#include "apps/analysis/cluster_metrics.h"
#include "apps/analysis/kmeans.h"
#include "apps/analysis/pca.h"
#include "apps/analysis/silhouette.h"
#include "apps/analysis/tsne.h"
#include "apps/cli/analysis_output.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/run/run_data.h"
#include "engine/data/spec.h"
#include "engine/host/parallel.h"
#include "engine/util/error.h"

namespace hg::cli {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Common {
  run::DataRequest data;
  std::string out;
  uint64_t seed = 0;
  int threads = 0;
  bool force = false, json = false;
};

void add_common(CLI::App& app, Common& c) {
  app.add_option("--data", c.data.spec,
                 "Data spec: an image set, csv:FILE[,label=NAME] (e.g. a latent table), synthetic")
      ->required();
  app.add_option("--split", c.data.split, "train or test (image data sets)")->default_val("test");
  app.add_option("--classes", c.data.classes, "Only these labels");
  app.add_option("--limit", c.data.limit, "Use the first N rows")->check(positive_count());
  app.add_option("--seed", c.seed, "Random seed")->check(seed_value());
  app.add_option("--threads", c.threads, "CPU threads (0: all cores)")->check(seed_value());
  app.add_flag("--force", c.force, "Overwrite --out");
  app.add_flag("--json", c.json, "Print a JSON summary as the last line");
}

data::Dataset load(Common& c) {
  host::set_num_threads(c.threads);
  if (!c.out.empty()) run::check_output_file(c.out, c.force, "--out");
  return run::load_selection(c.data, -1, c.data.spec);  // any width
}

void finish(const Common& c, json j, const std::string& text) {
  if (c.json)
    std::cout << j.dump() << std::endl;
  else
    std::cout << text << "\n";
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A subcommand and its action; add_analyze runs the action of the one that was parsed.
using Subcommand = std::pair<CLI::App*, Action>;

Subcommand add_pca(CLI::App& app) {
  CLI::App* s =
      app.add_subcommand("pca", "Principal components: explained variance, projections (--out)");
  auto c = std::make_shared<Common>();
  auto k = std::make_shared<int>(2);
  auto solver = std::make_shared<std::string>("auto");
  add_common(*s, *c);
  s->add_option("--components", *k, "Number of components")
      ->default_val(2)
      ->check(positive_count());
  s->add_option("--solver", *solver, "auto, exact or randomized")->default_val("auto");
  s->add_option("--out", c->out, "CSV of the projections (pc0.., label)");
  return {s, [c, k, solver]() {
            data::Dataset d = load(*c);
            analysis::PcaOptions po;
            po.solver = analysis::parse_pca_solver(*solver);
            po.seed = c->seed;
            const auto t0 = Clock::now();
            analysis::Pca p = analysis::Pca::fit(d.x.data(), d.n, d.features(), *k, po);
            const double secs = seconds_since(t0);
            if (!c->out.empty())
              write_table(c->out, p.transform(d.x.data(), d.n), d.n, *k, "pc", d.y);
            json j{{"seconds", secs},
                   {"n", d.n},
                   {"components", *k},
                   {"solver", analysis::pca_solver_name(p.solver)},
                   {"explained_variance_ratio", p.explained_variance_ratio}};
            double total = 0;
            for (double r : p.explained_variance_ratio) total += r;
            std::ostringstream t;
            t << "PCA (" << analysis::pca_solver_name(p.solver) << ") of " << d.n << " x "
              << d.features() << ": " << *k << " components explain " << total * 100
              << "% of the variance (" << secs << " s)";
            finish(*c, j, t.str());
            return 0;
          }};
}

Subcommand add_kmeans(CLI::App& app) {
  CLI::App* s = app.add_subcommand(
      "kmeans", "k-means (k-means++, n_init restarts): inertia, and ACC/NMI/ARI with labels");
  auto c = std::make_shared<Common>();
  auto o = std::make_shared<analysis::KMeansOptions>();
  o->k = 10;
  add_common(*s, *c);
  s->add_option("--k", o->k, "Clusters")->default_val(10)->check(positive_count());
  s->add_option("--n-init", o->n_init, "Restarts (the lowest inertia wins)")
      ->default_val(10)
      ->check(positive_count());
  s->add_option("--max-iter", o->max_iter, "Lloyd iterations per restart")
      ->default_val(300)
      ->check(positive_count());
  s->add_option("--tol", o->tol, "Relative tolerance on the centre shift")
      ->default_val(1e-4)
      ->check(real_in(0, false, 1, true));
  s->add_option("--out", c->out, "CSV of the cluster of every row (cluster, label)");
  return {s, [c, o]() {
            data::Dataset d = load(*c);
            o->seed = c->seed;
            const auto t0 = Clock::now();
            analysis::KMeansResult r = analysis::kmeans(d.x.data(), d.n, d.features(), *o);
            const double secs = seconds_since(t0);
            json j{{"seconds", secs},
                   {"n", d.n},
                   {"k", o->k},
                   {"inertia", r.inertia},
                   {"iterations", r.iterations}};
            std::ostringstream t;
            t << "k-means, k = " << o->k << ", n_init " << o->n_init << ": inertia " << r.inertia
              << " (" << secs << " s)";
            if (d.has_labels()) {
              j["acc"] = analysis::clustering_accuracy(d.y, r.labels);
              j["nmi"] = analysis::nmi(d.y, r.labels);
              j["ari"] = analysis::ari(d.y, r.labels);
              t << "; against the labels ACC " << j["acc"].get<double>() << " NMI "
                << j["nmi"].get<double>() << " ARI " << j["ari"].get<double>();
            }
            if (!c->out.empty()) {
              std::vector<float> cl(r.labels.begin(), r.labels.end());
              write_table(c->out, cl, d.n, 1, "cluster", d.y);
            }
            finish(*c, j, t.str());
            return 0;
          }};
}

Subcommand add_silhouette(CLI::App& app) {
  CLI::App* s =
      app.add_subcommand("silhouette", "Silhouette of the data's labels (exact, or --sample N)");
  auto c = std::make_shared<Common>();
  auto sample = std::make_shared<int64_t>(0);
  add_common(*s, *c);
  s->add_option("--sample", *sample,
                "Average over N random rows (each against all rows); 0 = exact")
      ->check(seed_value());
  s->add_option("--out", c->out, "CSV of every row's silhouette value (silhouette, label)");
  return {s, [c, sample]() {
            data::Dataset d = load(*c);
            if (!d.has_labels())
              throw UsageError("--data " + c->data.spec +
                               ": silhouette scores the data's labels, and these data have none "
                               "(csv:FILE,label=COLUMN)");
            const auto t0 = Clock::now();
            std::vector<double> per;
            const double v = *sample > 0
                                 ? analysis::silhouette_sampled(d.x.data(), d.n, d.features(), d.y,
                                                                *sample, c->seed)
                                 : analysis::silhouette_score(d.x.data(), d.n, d.features(), d.y,
                                                              c->out.empty() ? nullptr : &per);
            const double secs = seconds_since(t0);
            if (!c->out.empty() && !per.empty())
              write_table(c->out, std::vector<float>(per.begin(), per.end()), d.n, 1, "silhouette",
                          d.y);
            json j{{"seconds", secs}, {"n", d.n}, {"silhouette", v}, {"sampled", *sample}};
            std::ostringstream t;
            t << "silhouette " << v << (*sample > 0 ? " (sampled)" : " (exact)") << " over " << d.n
              << " rows (" << secs << " s)";
            finish(*c, j, t.str());
            return 0;
          }};
}

Subcommand add_tsne(CLI::App& app) {
  CLI::App* s = app.add_subcommand("tsne", "t-SNE embedding (Barnes-Hut, or exact with --theta 0)");
  auto c = std::make_shared<Common>();
  auto o = std::make_shared<analysis::TsneOptions>();
  auto plot = std::make_shared<std::string>();
  add_common(*s, *c);
  s->add_option("--perplexity", o->perplexity, "Perplexity")
      ->default_val(30)
      ->check(real_in(0, true));
  s->add_option("--theta", o->theta, "Barnes-Hut accuracy (0: exact gradient)")
      ->default_val(0.5)
      ->check(real_in(0, false, 1));
  s->add_option("--iters", o->max_iter, "Iterations")->default_val(1000)->check(positive_count());
  s->add_option("--dims", o->dims, "2 or 3")->default_val(2)->check(whole_number_in(2, 3));
  s->add_option("--out", c->out, "CSV of the embedding (x0, x1, label)");
  s->add_option("--plot", *plot, "PNG or SVG scatter of the embedding coloured by label");
  return {s, [c, o, plot]() {
            if (!plot->empty()) run::check_output_file(*plot, c->force, "--plot");
            data::Dataset d = load(*c);
            o->seed = c->seed;
            const auto t0 = Clock::now();
            analysis::TsneResult r = analysis::tsne(d.x.data(), d.n, d.features(), *o);
            const double secs = seconds_since(t0);
            if (!c->out.empty()) write_table(c->out, r.embedding, d.n, o->dims, "x", d.y);
            if (!plot->empty())
              write_scatter(*plot, r.embedding, d.n, o->dims, d.y, "t-SNE of " + c->data.spec);
            json j{{"seconds", secs}, {"n", d.n}, {"kl", r.kl}, {"iterations", r.iterations}};
            std::ostringstream t;
            t << "t-SNE of " << d.n << " rows: KL " << r.kl << " after " << r.iterations
              << " iterations (" << secs << " s)";
            finish(*c, j, t.str());
            return 0;
          }};
}

}  // namespace

Action add_analyze(CLI::App& app) {
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Action>> subs;
  subs.push_back(add_pca(app));
  subs.push_back(add_kmeans(app));
  subs.push_back(add_silhouette(app));
  subs.push_back(add_tsne(app));
  return [subs]() {
    for (const auto& [s, action] : subs)
      if (s->parsed()) return action();
    throw UsageError("analyze: give a subcommand (pca, kmeans, silhouette or tsne)");
  };
}

}  // namespace hg::cli
