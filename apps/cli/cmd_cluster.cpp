// hourglass cluster: the seeds' comparison of k-means in pixel space, in PCA space of the
// latent's size and in the autoencoder's latent space (silhouette, ACC, NMI, ARI for each),
// with a silhouette plot and, with --tsne, t-SNE scatters by true label and by cluster.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "apps/analysis/cluster_metrics.h"
#include "apps/analysis/kmeans.h"
#include "apps/analysis/pca.h"
#include "apps/analysis/silhouette.h"
#include "apps/analysis/tsne.h"
#include "apps/cli/analysis_output.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/report/chart.h"
#include "apps/run/run_data.h"
#include "engine/io/atomic_file.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "kernels/cpu/parallel.h"

namespace hg::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct SpaceResult {
  std::string name;
  int64_t dims = 0;
  analysis::KMeansResult km;
  double silhouette = 0, acc = -1, nmi = -1, ari = -1, seconds = 0;
  std::vector<double> per_sample;  // silhouette values (exact runs only)
};

SpaceResult cluster_space(const std::string& name, const std::vector<float>& x, int64_t n, int64_t d,
                          const std::vector<int32_t>& truth, const analysis::KMeansOptions& ko, bool keep_per_sample) {
  SpaceResult r;
  r.name = name;
  r.dims = d;
  const auto t0 = std::chrono::steady_clock::now();
  r.km = analysis::kmeans(x.data(), n, d, ko);
  // Exact up to 20,000 rows (O(n^2) work); a 10,000-row sample beyond.
  if (n <= 20000)
    r.silhouette = analysis::silhouette_score(x.data(), n, d, r.km.labels, keep_per_sample ? &r.per_sample : nullptr);
  else
    r.silhouette = analysis::silhouette_sampled(x.data(), n, d, r.km.labels, 10000, ko.seed);
  if (!truth.empty()) {
    r.acc = analysis::clustering_accuracy(truth, r.km.labels);
    r.nmi = analysis::nmi(truth, r.km.labels);
    r.ari = analysis::ari(truth, r.km.labels);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// Each cluster's silhouette values sorted, side by side: the classic silhouette plot.
void write_silhouette_plot(const std::string& path, const SpaceResult& r, int k) {
  report::Chart c;
  c.title = "Silhouette of the latent-space clusters (mean " + fmt::num(r.silhouette, 3) + ")";
  c.xlabel = "samples, grouped by cluster";
  c.ylabel = "silhouette";
  double x = 0;
  for (int cl = 0; cl < k; ++cl) {
    std::vector<double> v;
    for (size_t i = 0; i < r.per_sample.size(); ++i)
      if (r.km.labels[i] == cl) v.push_back(r.per_sample[i]);
    std::sort(v.rbegin(), v.rend());
    report::Series s;
    s.label = k <= 12 ? "cluster " + std::to_string(cl) : "";
    s.kind = report::Series::Kind::Bars;
    for (double y : v) s.x.push_back(x++), s.y.push_back(y);
    x += std::max<double>(1.0, r.per_sample.size() / 100.0);  // a gap between clusters
    if (!s.x.empty()) c.series.push_back(std::move(s));
  }
  report::write_png(c, path);
}

}  // namespace

Action add_cluster(CLI::App& app) {
  struct Opts {
    run::DataRequest data;
    std::string run, out_dir, device = "auto";
    int k = 10, n_init = 10, threads = 0;
    int64_t tsne_limit = 5000;
    uint64_t seed = 0;
    bool tsne = false, force = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec, "Data to cluster (labels, when present, score the clusters)")->required();
  app.add_option("--split", o->data.split, "train or test")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels");
  app.add_option("--limit", o->data.limit, "Use the first N samples");
  app.add_option("--k", o->k, "Clusters")->default_val(10);
  app.add_option("--n-init", o->n_init, "k-means restarts")->default_val(10);
  app.add_option("--seed", o->seed, "Seed of k-means and t-SNE");
  app.add_flag("--tsne", o->tsne, "Also embed the latent codes with t-SNE and draw them");
  app.add_option("--tsne-limit", o->tsne_limit, "Rows given to t-SNE (the first N)")->default_val(5000);
  app.add_option("--out-dir", o->out_dir, "Folder for the pictures and cluster.json (default RUN/cluster)");
  app.add_flag("--force", o->force, "Overwrite an existing --out-dir");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    if (o->k < 2) throw UsageError("--k must be at least 2");
    const std::string out = o->out_dir.empty() ? run::path_in(o->run, "cluster") : o->out_dir;
    if (fs::exists(out) && !o->force) throw Error("--out-dir " + out + ": already exists (use --force to overwrite)");
    const Device device = start_compute(o->threads, o->device);
    run::LoadedRun r = run::load_run(o->run);
    r.model->to(device);
    data::Dataset d = run::load_for_run(r, o->data);
    if (d.n < o->k) throw UsageError("--k " + std::to_string(o->k) + ": more clusters than the " + std::to_string(d.n) + " samples");
    const int64_t D = d.features(), k = r.model->latent_dim();
    analysis::KMeansOptions ko;
    ko.k = o->k, ko.n_init = o->n_init, ko.seed = o->seed;

    std::vector<SpaceResult> res;
    res.push_back(cluster_space("pixels", d.x, d.n, D, d.y, ko, false));
    analysis::PcaOptions po;
    po.seed = o->seed;
    const analysis::Pca pca = analysis::Pca::fit(d.x.data(), d.n, D, static_cast<int>(std::min<int64_t>(k, D)), po);
    res.push_back(cluster_space("pca-" + std::to_string(pca.k), pca.transform(d.x.data(), d.n), d.n, pca.k, d.y, ko, false));
    const std::vector<float> z = run::encode_rows(*r.model, d.x, d.n, device);
    res.push_back(cluster_space("latent", z, d.n, k, d.y, ko, true));

    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw Error("--out-dir " + out + ": cannot create: " + ec.message());
    if (!res.back().per_sample.empty()) write_silhouette_plot(out + "/silhouette.png", res.back(), o->k);
    json j{{"run", o->run}, {"data", o->data.spec}, {"n", d.n}, {"k", o->k}, {"out_dir", out}, {"device", device.str()}};
    json spaces = json::array();
    for (const SpaceResult& s : res) {
      json e{{"space", s.name}, {"dims", s.dims}, {"inertia", s.km.inertia}, {"silhouette", s.silhouette}, {"seconds", s.seconds}};
      if (s.acc >= 0) e["acc"] = s.acc, e["nmi"] = s.nmi, e["ari"] = s.ari;
      spaces.push_back(e);
    }
    j["spaces"] = spaces;
    if (o->tsne) {
      const int64_t m = std::min(o->tsne_limit, d.n);
      analysis::TsneOptions to;
      to.seed = o->seed;
      const std::vector<float> zm(z.begin(), z.begin() + m * k);
      analysis::TsneResult t = analysis::tsne(zm.data(), m, k, to);
      std::vector<int32_t> truth(d.y.begin(), d.y.begin() + std::min<int64_t>(m, static_cast<int64_t>(d.y.size())));
      std::vector<int32_t> clusters(res.back().km.labels.begin(), res.back().km.labels.begin() + m);
      if (!truth.empty()) write_scatter(out + "/tsne_labels.png", t.embedding, m, 2, truth, "t-SNE of the codes, by true label");
      write_scatter(out + "/tsne_clusters.png", t.embedding, m, 2, clusters, "t-SNE of the codes, by k-means cluster");
      write_table(out + "/tsne.csv", t.embedding, m, 2, "x", truth);
      j["tsne"] = {{"n", m}, {"kl", t.kl}, {"seconds", t.seconds}};
    }
    io::write_json_atomic(out + "/cluster.json", j);
    if (o->json) {
      std::cout << j.dump() << std::endl;
    } else {
      std::cout << "space        dims  silhouette     ACC     NMI     ARI\n";
      for (const SpaceResult& s : res) {
        std::string name = s.name;
        name.resize(12, ' ');
        std::cout << name << " " << s.dims << "\t" << fmt::fixed(s.silhouette, 4) << "\t";
        if (s.acc >= 0)
          std::cout << fmt::fixed(s.acc, 4) << "  " << fmt::fixed(s.nmi, 4) << "  " << fmt::fixed(s.ari, 4);
        std::cout << "\n";
      }
      std::cout << "pictures and cluster.json in " << out << "\n";
    }
    return 0;
  };
}

}  // namespace hg::cli
