// hourglass cluster: does the autoencoder's latent space cluster better than the pixels? Every
// space compared (pixels, PCA of the latent's size, the latent codes) goes through the same
// pipeline (apps/analysis/manifold_cluster.h): clusters fitted on the --fit-split rows (the
// training split by default, labels unused) and given to the evaluated --split rows, which alone
// are scored. Plain k-means of each space is always reported next to the --method ones (the
// seeds' comparison), with a verdict line computed from the accuracies, pictures of the latent
// t-SNE map, the silhouettes and the accuracies, and cluster.json.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <set>
#include <sstream>

#include "apps/analysis/cluster_metrics.h"
#include "apps/analysis/manifold_cluster.h"
#include "apps/analysis/pca.h"
#include "apps/analysis/silhouette.h"
#include "apps/analysis/tsne.h"
#include "apps/cli/analysis_output.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/report/chart.h"
#include "apps/run/run_data.h"
#include "engine/io/atomic_file.h"
#include "engine/io/staged_folder.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::cli {

namespace fs = std::filesystem;
using analysis::ClusterMethod;
using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kExactSilhouetteRows = 20000;  // O(n^2): exact up to here, 10,000 sampled beyond

struct Opts {
  run::DataRequest data;
  std::string run, out_dir, device = "auto", method = "tsne-kmeans", fit_split = "train";
  int k = 10, n_init = 10, assign_k = 10, threads = 0;
  int64_t fit_limit = 10000, tsne_limit = 10000;
  double perplexity = 30;
  uint64_t seed = 0;
  bool tsne = false, no_standardize = false, force = false, json = false;
};

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---- flags
// ---------------------------------------------------------------------------------------

// The --method list in order, without repeats and without kmeans (always run anyway); kmeans
// alone when that is all that was asked for. Errors name --method.
std::vector<ClusterMethod> parse_methods(const std::string& list) {
  std::vector<ClusterMethod> out;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    ClusterMethod m;
    try {
      m = analysis::parse_cluster_method(name);
    } catch (const Error& e) {
      throw UsageError(std::string("--method: ") + e.what());
    }
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  if (out.empty()) throw UsageError("--method: no method given (kmeans, tsne-kmeans or tsne-gmm)");
  return out;
}

void check_flags(const Opts& o) {
  if (o.k < 2) throw UsageError("--k must be at least 2");
  if (o.n_init < 1) throw UsageError("--n-init must be at least 1");
  if (o.assign_k < 1)
    throw UsageError("--assign-k must be at least 1 (got " + std::to_string(o.assign_k) + ")");
  if (o.fit_split != "train" && o.fit_split != "test")
    throw UsageError("--fit-split must be train or test (got '" + o.fit_split + "')");
  if (o.fit_limit < 0) throw UsageError("--fit-limit must be >= 0 (0 = every row)");
  if (o.tsne_limit < 2) throw UsageError("--tsne-limit must be at least 2");
  if (!(o.perplexity > 0)) throw UsageError("--perplexity must be positive");
}

// ---- rows
// ----------------------------------------------------------------------------------------

// The evaluated rows and the rows the clusters are fitted on, both scaled for the model.
struct Rows {
  data::Dataset eval, fit;
  std::vector<int64_t> eval_fit_row;  // [eval.n] index among the fit rows, -1; empty if disjoint
};

// Fit rows from the same split: a seeded subsample of the evaluated rows themselves, so those
// rows keep their own clusters and only the others are voted on.
Rows load_rows(const run::LoadedRun& r, const Opts& o) {
  Rows rows;
  rows.eval = run::load_for_run(r, o.data);
  const bool same = o.fit_split == o.data.split;
  data::Dataset pool;
  if (!same) {
    run::DataRequest q = o.data;
    q.split = o.fit_split;
    q.limit = 0;  // --limit is the evaluated rows'; --fit-limit subsamples these
    pool = run::load_for_run(r, q);
  }
  const data::Dataset& src = same ? rows.eval : pool;
  const std::vector<int64_t> pick = analysis::seeded_subsample(src.n, o.fit_limit, o.seed);
  rows.fit = data::select_rows(src, pick);
  if (same) {
    rows.eval_fit_row.assign(static_cast<size_t>(rows.eval.n), -1);
    for (size_t j = 0; j < pick.size(); ++j) rows.eval_fit_row[pick[j]] = static_cast<int64_t>(j);
  }
  if (rows.fit.n < o.k)
    throw UsageError("--k " + std::to_string(o.k) + ": more clusters than the " +
                     std::to_string(rows.fit.n) + " fit rows (--fit-split " + o.fit_split + ")");
  return rows;
}

// ---- spaces
// --------------------------------------------------------------------------------------

struct Space {
  std::string name;
  int64_t dims = 0;
  std::vector<float> fit, eval;  // [n_fit, dims], [n_eval, dims]
  bool standardize = false;
};

// Pixels as they are, PCA (fitted on the fit rows) of the latent's size, the latent codes
// (standardised unless --no-standardize: their units have very different scales).
std::vector<Space> build_spaces(run::LoadedRun& r, const Rows& rows, const Opts& o, Device device) {
  const int64_t D = rows.eval.features(), L = r.model->latent_dim();
  std::vector<Space> s;
  s.push_back({"pixels", D, rows.fit.x, rows.eval.x, false});
  analysis::PcaOptions po;
  po.seed = o.seed;
  const int pk = static_cast<int>(std::min({L, D, rows.fit.n}));
  const analysis::Pca pca = analysis::Pca::fit(rows.fit.x.data(), rows.fit.n, D, pk, po);
  s.push_back({"pca-" + std::to_string(pca.k), pca.k, pca.transform(rows.fit.x.data(), rows.fit.n),
               pca.transform(rows.eval.x.data(), rows.eval.n), false});
  s.push_back({"latent", L, run::encode_rows(*r.model, rows.fit.x, rows.fit.n, device),
               run::encode_rows(*r.model, rows.eval.x, rows.eval.n, device), !o.no_standardize});
  return s;
}

// ---- clustering and scores
// -----------------------------------------------------------------------

struct Entry {
  std::string space, method;
  int64_t dims = 0;
  analysis::ManifoldClustering c;
  double silhouette = kNaN, map_silhouette = kNaN, acc = -1, nmi = -1, ari = -1, seconds = 0;
  std::vector<double> per_sample;  // silhouette values of the evaluated rows (latent, exact only)
};

size_t distinct(const std::vector<int32_t>& v) {
  return std::set<int32_t>(v.begin(), v.end()).size();
}

// Mean silhouette of a labelling, NaN where it is undefined (one cluster, or all singletons).
double silhouette_of(const std::vector<float>& X, int64_t n, int64_t d,
                     const std::vector<int32_t>& labels, uint64_t seed,
                     std::vector<double>* per_sample) {
  const size_t c = distinct(labels);
  if (c < 2 || static_cast<int64_t>(c) >= n) return kNaN;
  if (n <= kExactSilhouetteRows)
    return analysis::silhouette_score(X.data(), n, d, labels, per_sample);
  return analysis::silhouette_sampled(X.data(), n, d, labels, 10000, seed);
}

void score(Entry& e, const std::vector<int32_t>& truth, int64_t n_fit, uint64_t seed,
           bool keep_per_sample) {
  const int64_t n = static_cast<int64_t>(e.c.labels.size());
  e.silhouette = silhouette_of(e.c.eval_rows, n, e.dims, e.c.labels, seed,
                               keep_per_sample ? &e.per_sample : nullptr);
  if (!e.c.map.empty())
    e.map_silhouette = silhouette_of(e.c.map, n_fit, 2, e.c.fit_labels, seed, nullptr);
  if (!truth.empty()) {
    e.acc = analysis::clustering_accuracy(truth, e.c.labels);
    e.nmi = analysis::nmi(truth, e.c.labels);
    e.ari = analysis::ari(truth, e.c.labels);
  }
}

analysis::ManifoldOptions manifold_options(const Opts& o, int64_t n_fit, bool standardize) {
  analysis::ManifoldOptions mo;
  mo.k = o.k;
  mo.standardize = standardize;
  mo.kmeans_n_init = o.n_init;
  mo.assign_k = o.assign_k;
  mo.seed = o.seed;
  mo.tsne.seed = o.seed;
  // t-SNE needs perplexity < n; small fit sets get a third of their size at most (30 from 91 rows).
  mo.tsne.perplexity = std::min(o.perplexity, static_cast<double>(n_fit - 1) / 3.0);
  return mo;
}

// kmeans, then the --method ones, in one space; the t-SNE map is computed once and shared.
// keep_per_sample: keep the headline method's silhouette values and the rows (for the pictures).
std::vector<Entry> cluster_space(const Space& sp, const Rows& rows,
                                 const std::vector<ClusterMethod>& methods, const Opts& o,
                                 bool keep_per_sample) {
  const analysis::ManifoldOptions mo = manifold_options(o, rows.fit.n, sp.standardize);
  std::vector<ClusterMethod> todo{ClusterMethod::KMeans};
  for (ClusterMethod m : methods)
    if (m != ClusterMethod::KMeans) todo.push_back(m);
  std::vector<Entry> out;
  analysis::TsneResult map;
  bool have_map = false;
  for (ClusterMethod m : todo) {
    const auto t0 = std::chrono::steady_clock::now();
    Entry e;
    e.space = sp.name, e.method = analysis::cluster_method_name(m), e.dims = sp.dims;
    const bool reuse = analysis::uses_map(m) && have_map;
    e.c = analysis::manifold_cluster(sp.fit.data(), rows.fit.n, sp.eval.data(), rows.eval.n,
                                     sp.dims, m, mo, rows.eval_fit_row, reuse ? &map : nullptr);
    if (analysis::uses_map(m) && !have_map) {
      map.embedding = e.c.map, map.kl = e.c.map_kl, map.seconds = e.c.map_seconds;
      have_map = true;
    }
    score(e, rows.eval.y, rows.fit.n, o.seed, keep_per_sample && m == methods.front());
    // Only the latent rows are looked at again (the pictures); a pixel copy is 30 MB per entry.
    if (!keep_per_sample) e.c.fit_rows = {}, e.c.eval_rows = {};
    // A reused map still cost its t-SNE: count it in every row that clusters it.
    e.seconds = since(t0) + (reuse ? map.seconds : 0.0);
    std::cerr << "cluster: " << e.space << " " << e.method << " done in "
              << fmt::fixed(e.seconds, 1) << " s\n";
    out.push_back(std::move(e));
  }
  return out;
}

// The latent space's entry of the headline method (the first of --method).
const Entry& headline(const std::vector<Entry>& all, ClusterMethod m) {
  for (const Entry& e : all)
    if (e.space == "latent" && e.method == analysis::cluster_method_name(m)) return e;
  throw Error("internal: no latent " + std::string(analysis::cluster_method_name(m)) + " entry");
}

std::string verdict(const std::vector<Entry>& all, const Entry& best) {
  std::vector<analysis::ScoredEntry> base;
  for (const Entry& e : all)
    if (e.space != "latent") base.push_back({e.space, e.method, e.acc});
  return analysis::cluster_verdict({best.space, best.method, best.acc}, base);
}

// ---- pictures
// ------------------------------------------------------------------------------------

// Each cluster's silhouette values sorted, side by side: the classic silhouette plot.
void write_silhouette_plot(const std::string& path, const Entry& e, int k) {
  report::Chart c;
  c.title =
      "Silhouette of the latent " + e.method + " clusters (mean " + fmt::num(e.silhouette, 3) + ")";
  c.xlabel = "evaluated samples, grouped by cluster";
  c.ylabel = "silhouette";
  double x = 0;
  for (int cl = 0; cl < k; ++cl) {
    std::vector<double> v;
    for (size_t i = 0; i < e.per_sample.size(); ++i)
      if (e.c.labels[i] == cl) v.push_back(e.per_sample[i]);
    std::sort(v.rbegin(), v.rend());
    report::Series s;
    s.label = k <= 12 ? "cluster " + std::to_string(cl) : "";
    s.kind = report::Series::Kind::Bars;
    for (double y : v) s.x.push_back(x++), s.y.push_back(y);
    x += std::max<double>(1.0, e.per_sample.size() / 100.0);  // a gap between clusters
    if (!s.x.empty()) c.series.push_back(std::move(s));
  }
  // Every corner holds bars, so the x axis is extended by a third: the legend goes there.
  if (k <= 12) c.xmin = 0, c.xmax = x * 4 / 3;
  report::write_png(c, path);
}

// ACC per space (groups, named by x ticks) and method (colours). Every bar is its own one-point
// series, which the chart draws one unit wide; only a method's first bar carries the legend
// label. The y axis runs to 1.4 so that the legend has a free strip above bars up to ACC 1.
void write_acc_chart(const std::string& path, const std::vector<Entry>& all) {
  static const uint32_t kMethodColours[3] = {0x1F77B4, 0xFF7F0E, 0x2CA02C};
  std::vector<std::string> spaces, methods;
  for (const Entry& e : all) {
    if (std::find(spaces.begin(), spaces.end(), e.space) == spaces.end()) spaces.push_back(e.space);
    if (std::find(methods.begin(), methods.end(), e.method) == methods.end())
      methods.push_back(e.method);
  }
  report::Chart c;
  c.title = "Clustering accuracy of the evaluated rows (Hungarian-matched)";
  c.xlabel = "space";
  c.ylabel = "ACC";
  c.ymin = 0, c.ymax = 1.4;
  const double group = static_cast<double>(methods.size()) + 1;  // bars and a gap
  std::set<std::string> labelled;
  for (const Entry& e : all) {
    const size_t si = std::find(spaces.begin(), spaces.end(), e.space) - spaces.begin();
    const size_t mi = std::find(methods.begin(), methods.end(), e.method) - methods.begin();
    report::Series s;
    s.kind = report::Series::Kind::Bars;
    s.rgb = kMethodColours[mi % 3];
    if (labelled.insert(e.method).second) s.label = e.method;
    s.x = {static_cast<double>(si) * group + static_cast<double>(mi)};
    s.y = {e.acc};
    c.series.push_back(std::move(s));
  }
  for (size_t si = 0; si < spaces.size(); ++si)
    c.xticks.push_back(
        {static_cast<double>(si) * group + (static_cast<double>(methods.size()) - 1) / 2,
         spaces[si]});
  report::write_png(c, path);
}

// The latent map of the fit rows (at most --tsne-limit of them), by true label and by cluster,
// and its coordinates.
void write_map_pictures(const std::string& out, const std::vector<float>& map,
                        const data::Dataset& fit, const std::vector<int32_t>& clusters,
                        const std::string& method, int64_t limit) {
  const int64_t m = std::min<int64_t>(limit, fit.n);
  const std::vector<float> pts(map.begin(), map.begin() + m * 2);
  const std::vector<int32_t> truth(fit.y.begin(), fit.y.begin() + (fit.y.empty() ? 0 : m));
  const std::vector<int32_t> cl(clusters.begin(), clusters.begin() + m);
  const std::string what = "t-SNE of the latent codes of " + std::to_string(m) + " fit rows";
  if (!truth.empty())
    write_scatter(out + "/tsne_labels.png", pts, m, 2, truth, what + ", by true label");
  write_scatter(out + "/tsne_clusters.png", pts, m, 2, cl, what + ", by " + method + " cluster");
  write_table(out + "/tsne.csv", pts, m, 2, "x", truth);
}

// ---- output
// --------------------------------------------------------------------------------------

json entry_json(const Entry& e) {
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json j{{"space", e.space},     {"method", e.method},
         {"dims", e.dims},       {"silhouette", num(e.silhouette)},
         {"seconds", e.seconds}, {"assigned_by_neighbours", e.c.assigned_by_neighbours}};
  if (e.acc >= 0) j["acc"] = e.acc, j["nmi"] = e.nmi, j["ari"] = e.ari;
  if (!e.c.map.empty()) j["map_silhouette"] = num(e.map_silhouette), j["map_kl"] = e.c.map_kl;
  return j;
}

// The map pictures: the headline's own map, or (a kmeans headline, --tsne) one made only for
// them. Returns its "tsne" summary, null when none is drawn.
json draw_map(const std::string& dir, const Entry& best, const Rows& rows, const Opts& o) {
  analysis::TsneResult t;
  if (!best.c.map.empty()) {
    t.embedding = best.c.map, t.kl = best.c.map_kl, t.seconds = best.c.map_seconds;
  } else if (o.tsne) {
    const int64_t m = std::min(o.tsne_limit, rows.fit.n);
    t = analysis::tsne(best.c.fit_rows.data(), m, best.dims, manifold_options(o, m, false).tsne);
  } else {
    return nullptr;
  }
  const int64_t n = static_cast<int64_t>(t.embedding.size()) / 2, drawn = std::min(o.tsne_limit, n);
  write_map_pictures(dir, t.embedding, rows.fit, best.c.fit_labels, best.method, drawn);
  return {{"n", n}, {"drawn", drawn}, {"kl", t.kl}, {"seconds", t.seconds}};
}

// Pictures and cluster.json, staged and then moved to `out` in one rename. Returns the JSON;
// t0: when the command started.
json write_folder(const std::string& out, const std::vector<Entry>& all, const Entry& best,
                  const std::string& line, const Rows& rows, const Opts& o, const Device& device,
                  std::chrono::steady_clock::time_point t0) {
  // Built beside `out` and swapped in whole: a failure leaves the old folder (or none).
  io::StagedFolder dir(out, io::StagedFolder::Commit::replace);
  if (!best.per_sample.empty()) write_silhouette_plot(dir.path("silhouette.png"), best, o.k);
  if (rows.eval.has_labels()) write_acc_chart(dir.path("acc.png"), all);
  json j{{"run", o.run},
         {"data", o.data.spec},
         {"split", o.data.split},
         {"fit_split", o.fit_split},
         {"n", rows.eval.n},
         {"n_fit", rows.fit.n},
         {"k", o.k},
         {"method", best.method},
         {"assign_k", o.assign_k},
         {"standardize", !o.no_standardize},
         {"out_dir", out},
         {"device", device.str()}};
  if (json t = draw_map(dir.dir(), best, rows, o); !t.is_null()) j["tsne"] = t;
  json list = json::array();
  for (const Entry& e : all) list.push_back(entry_json(e));
  j["spaces"] = list;
  j["best"] = entry_json(best);
  j["verdict"] = line;
  j["seconds"] = since(t0);  // the whole command, all but the rename and the printing
  io::write_json_atomic(dir.path("cluster.json"), j);
  dir.commit();
  return j;
}

// `s` right-aligned in `width` columns.
std::string right(std::string s, size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

void print_table(const std::vector<Entry>& all, const std::string& line, const std::string& out) {
  auto cell = [](double v, bool ok) {
    return right(ok && std::isfinite(v) ? fmt::fixed(v, 4) : "-", 9);
  };
  std::cout
      << "space   method        dims  silhouette  map-silh.      ACC      NMI      ARI  seconds\n";
  for (const Entry& e : all) {
    std::string s = e.space, m = e.method;
    s.resize(std::max<size_t>(s.size() + 1, 8), ' '),
        m.resize(std::max<size_t>(m.size() + 1, 12), ' ');
    const bool l = e.acc >= 0;
    std::cout << s << m << right(std::to_string(e.dims), 6) << right(cell(e.silhouette, true), 12)
              << right(cell(e.map_silhouette, true), 11) << cell(e.acc, l) << cell(e.nmi, l)
              << cell(e.ari, l) << right(fmt::fixed(e.seconds, 1), 9) << "\n";
  }
  std::cout << "verdict: " << line << "\npictures and cluster.json in " << out << "\n";
}

}  // namespace

Action add_cluster(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec,
                 "Data to cluster (labels, when present, score the clusters)")
      ->required();
  app.add_option("--split", o->data.split, "The evaluated rows: train or test")
      ->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels (evaluated and fit rows)");
  app.add_option("--limit", o->data.limit, "Evaluate the first N samples")->check(positive_count());
  app.add_option("--k", o->k, "Clusters")->default_val(10)->check(positive_count());
  app.add_option("--method", o->method,
                 "kmeans, tsne-kmeans or tsne-gmm, or a comma list (the first is the headline); "
                 "plain k-means "
                 "is always reported too")
      ->default_val("tsne-kmeans");
  app.add_option("--fit-split", o->fit_split, "Rows the clusters are fitted on: train or test")
      ->default_val("train");
  app.add_option("--fit-limit", o->fit_limit, "At most N fit rows (a seeded subsample; 0 = all)")
      ->default_val(10000);
  app.add_option("--assign-k", o->assign_k,
                 "Fit rows voting for each evaluated row (t-SNE methods)")
      ->default_val(10);
  app.add_flag("--no-standardize", o->no_standardize,
               "Cluster the raw latent codes (default: standardised)");
  app.add_option("--perplexity", o->perplexity,
                 "t-SNE perplexity of the maps (capped at a third of the fit rows)")
      ->default_val(30)
      ->check(real_in(0, true));
  app.add_option("--n-init", o->n_init, "k-means restarts in each space (50 on a t-SNE map)")
      ->default_val(10)
      ->check(positive_count());
  app.add_option("--seed", o->seed, "Seed of the subsample, k-means, the mixture and t-SNE")
      ->check(seed_value());
  app.add_flag("--tsne", o->tsne,
               "Draw the t-SNE map of the latent codes (always drawn for t-SNE methods)");
  app.add_option("--tsne-limit", o->tsne_limit,
                 "Points drawn in the t-SNE pictures (the first N fit rows)")
      ->default_val(10000);
  app.add_option("--out-dir", o->out_dir,
                 "Folder for the pictures and cluster.json (default RUN/cluster)");
  app.add_flag("--force", o->force, "Overwrite an existing --out-dir");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    const auto t0 = std::chrono::steady_clock::now();
    check_flags(*o);
    const std::vector<ClusterMethod> methods = parse_methods(o->method);
    const std::string out = o->out_dir.empty() ? run::path_in(o->run, "cluster") : o->out_dir;
    if (fs::exists(out) && !o->force)
      throw Error("--out-dir " + out + ": already exists (use --force to overwrite)");
    const Device device = start_compute(o->threads, o->device);
    run::LoadedRun r = run::load_run(o->run);
    r.model->to(device);
    const Rows rows = load_rows(r, *o);
    const std::vector<Space> spaces = build_spaces(r, rows, *o, device);

    std::vector<Entry> all;
    for (const Space& sp : spaces)
      for (Entry& e : cluster_space(sp, rows, methods, *o, sp.name == "latent"))
        all.push_back(std::move(e));
    const Entry& best = headline(all, methods.front());
    const std::string line = verdict(all, best);

    const json j = write_folder(out, all, best, line, rows, *o, device, t0);
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      print_table(all, line, out);
    return 0;
  };
}

}  // namespace hg::cli
