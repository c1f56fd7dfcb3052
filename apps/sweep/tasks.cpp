#include "apps/sweep/tasks.h"

#include <sstream>

#include "apps/analysis/cluster_metrics.h"
#include "apps/analysis/manifold_cluster.h"
#include "apps/compress/codec.h"
#include "apps/detect/scores.h"
#include "apps/metrics/metrics.h"
#include "apps/run/run_data.h"
#include "engine/util/error.h"

namespace hg::sweep {

using nlohmann::json;

std::vector<std::string> Tasks::names() const {
  std::vector<std::string> out;
  if (reconstruct) out.push_back("reconstruct");
  if (anomaly) out.push_back("anomaly");
  if (cluster) out.push_back("cluster");
  return out;
}

Tasks parse_tasks(const std::string& list) {
  Tasks t;
  std::stringstream ss(list);
  std::string name;
  int n = 0;
  while (std::getline(ss, name, ',')) {
    bool* slot = name == "reconstruct" ? &t.reconstruct
                 : name == "anomaly"   ? &t.anomaly
                 : name == "cluster"   ? &t.cluster
                                       : nullptr;
    if (!slot)
      throw UsageError("--tasks: unknown task '" + name +
                       "' (expected reconstruct, anomaly, cluster)");
    if (*slot) throw UsageError("--tasks: " + name + " is listed twice");
    *slot = true, ++n;
  }
  if (n == 0) throw UsageError("--tasks: no task given (reconstruct, anomaly, cluster)");
  return t;
}

std::vector<float> scaled_rows(const run::LoadedRun& r, const data::Dataset& raw) {
  std::vector<float> x = raw.x;
  r.scaler.transform(x.data(), raw.n, raw.features());
  return x;
}

json reconstruct_figures(const run::LoadedRun& r, const data::Dataset& test, Device device,
                         std::vector<float>* test_codes) {
  const int64_t n = test.n, D = test.features();
  std::vector<float> z = run::encode_rows(*r.model, scaled_rows(r, test), n, device);
  const std::vector<float> back = compress::decode_rows(r, z, n, device);  // the data's units
  double sum = 0;
  for (size_t i = 0; i < back.size(); ++i) {
    const double e = double(back[i]) - test.x[i];
    sum += e * e;
  }
  json j{{"mse", sum / static_cast<double>(n * D)}, {"psnr", nullptr}};
  if (test.sample_shape.size() >= 2)  // pixels in [0, 1]
    j["psnr"] = compress::mean_psnr(test.x.data(), back.data(), n, D, 1.0);
  if (test_codes) *test_codes = std::move(z);
  return j;
}

json anomaly_figures(const run::LoadedRun& r, const SweepData& d, Device device) {
  std::vector<int> y(d.test.y.size());
  int64_t bad = 0;
  for (size_t i = 0; i < y.size(); ++i) bad += y[i] = d.test.y[i] == d.anomaly_class ? 1 : 0;
  const int64_t good = static_cast<int64_t>(y.size()) - bad;
  if (bad == 0 || good == 0)
    throw Error("anomaly: the " + std::to_string(d.test.n) + " test rows hold " +
                std::to_string(bad) + " of class " + std::to_string(d.anomaly_class) + " and " +
                std::to_string(good) + " others; AUROC needs both (raise --limit)");
  const std::vector<double> score = detect::mse_scores(*r.model, r.loss, scaled_rows(r, d.test),
                                                       d.test.n, d.test.features(), device);
  return {{"auroc", detect::auroc(score, y)},
          {"auprc", detect::average_precision(score, y)},
          {"anomaly_class", d.anomaly_class},
          {"normal_test", good},
          {"anomalous_test", bad}};
}

namespace {

// k-means fitted on fit [n_fit, dims], each eval row given its nearest center, scored against
// the eval labels.
json kmeans_scores(const std::vector<float>& fit, int64_t n_fit, const std::vector<float>& eval,
                   const std::vector<int32_t>& truth, int64_t dims, bool standardize, int k,
                   uint64_t seed) {
  analysis::ManifoldOptions mo;
  mo.k = k;
  mo.standardize = standardize;
  mo.seed = seed;
  const analysis::ManifoldClustering c =
      analysis::manifold_cluster(fit.data(), n_fit, eval.data(), static_cast<int64_t>(truth.size()),
                                 dims, analysis::ClusterMethod::KMeans, mo);
  return {{"acc", analysis::clustering_accuracy(truth, c.labels)},
          {"nmi", analysis::nmi(truth, c.labels)},
          {"ari", analysis::ari(truth, c.labels)},
          {"k", k},
          {"fit_rows", n_fit}};
}

}  // namespace

json cluster_figures(const run::LoadedRun& r, const SweepData& d, std::vector<float> test_codes,
                     Device device, uint64_t seed) {
  const data::Dataset fit = data::select_rows(*d.train, d.fit_rows);
  const std::vector<float> fit_codes =
      run::encode_rows(*r.model, scaled_rows(r, fit), fit.n, device);
  if (test_codes.empty())
    test_codes = run::encode_rows(*r.model, scaled_rows(r, d.test), d.test.n, device);
  // Codes are standardised (their units differ in scale by orders of magnitude), as cluster does.
  return kmeans_scores(fit_codes, fit.n, test_codes, d.test.y, r.model->latent_dim(), true, d.k,
                       seed);
}

json pixel_baseline(const SweepData& d, uint64_t seed) {
  const data::Dataset fit = data::select_rows(*d.train, d.fit_rows);
  json j = kmeans_scores(fit.x, fit.n, d.test.x, d.test.y, d.test.features(), false, d.k, seed);
  j["space"] = "pixels";
  return j;
}

}  // namespace hg::sweep
