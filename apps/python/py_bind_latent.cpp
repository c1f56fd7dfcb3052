// The latent tools (apps/analysis) with scikit-learn's argument names; the Python half wraps
// them in KMeans / PCA / TSNE estimators.
#include <pybind11/stl.h>

#include "apps/analysis/kmeans.h"
#include "apps/analysis/pca.h"
#include "apps/analysis/silhouette.h"
#include "apps/analysis/tsne.h"
#include "apps/python/py_bind.h"
#include "apps/python/py_compute.h"
#include "apps/python/py_convert.h"
#include "engine/util/error.h"

namespace hg::py {

namespace {

using IntArray = pyb::array_t<int32_t, pyb::array::c_style | pyb::array::forcecast>;

pyb::tuple kmeans(const FloatArray& X, int n_clusters, int n_init, int max_iter, double tol,
                  uint64_t random_state) {
  const data::Dataset x = rows_from_array(X, "X");
  analysis::KMeansOptions o;
  o.k = n_clusters;
  o.n_init = n_init;
  o.max_iter = max_iter;
  o.tol = tol;
  o.seed = random_state;
  analysis::KMeansResult r =
      run_compute("k-means", [&] { return analysis::kmeans(x.x.data(), x.n, x.features(), o); });
  const int64_t k = n_clusters, d = x.features();
  return pyb::make_tuple(to_array(std::move(r.centers), {k, d}),
                         to_array(std::move(r.labels), {x.n}), r.inertia, r.iterations);
}

double silhouette(const FloatArray& X, const IntArray& labels, int64_t sample_size,
                  uint64_t random_state) {
  const data::Dataset x = rows_from_array(X, "X");
  if (labels.ndim() != 1 || labels.shape(0) != x.n)
    throw UsageError("labels: expected " + std::to_string(x.n) + " labels, one per row of X");
  const std::vector<int32_t> l(labels.data(), labels.data() + x.n);
  return run_compute("silhouette", [&] {
    if (sample_size > 0 && sample_size < x.n)
      return analysis::silhouette_sampled(x.x.data(), x.n, x.features(), l, sample_size,
                                          random_state);
    return analysis::silhouette_score(x.x.data(), x.n, x.features(), l);
  });
}

pyb::dict pca_fit(const FloatArray& X, int n_components, const std::string& svd_solver,
                  uint64_t random_state) {
  const data::Dataset x = rows_from_array(X, "X");
  analysis::PcaOptions o;
  o.solver = svd_solver == "auto"         ? analysis::PcaSolver::Auto
             : svd_solver == "full"       ? analysis::PcaSolver::Exact
             : svd_solver == "randomized" ? analysis::PcaSolver::Randomized
                                          : throw UsageError(
                                                "svd_solver: expected auto, full or "
                                                "randomized, got '" +
                                                svd_solver + "'");
  o.seed = random_state;
  analysis::Pca p = run_compute(
      "PCA", [&] { return analysis::Pca::fit(x.x.data(), x.n, x.features(), n_components, o); });
  const int64_t k = p.k, d = p.d;
  pyb::dict out;
  out["mean"] = to_array(std::move(p.mean), {d});
  out["components"] = to_array(std::move(p.components), {k, d});
  out["explained_variance"] = to_array(std::move(p.explained_variance), {k});
  out["explained_variance_ratio"] = to_array(std::move(p.explained_variance_ratio), {k});
  out["solver"] = analysis::pca_solver_name(p.solver);
  return out;
}

pyb::tuple tsne(const FloatArray& X, int n_components, double perplexity, double early_exaggeration,
                double learning_rate, int max_iter, double angle, const std::string& init,
                uint64_t random_state, bool verbose) {
  const data::Dataset x = rows_from_array(X, "X");
  analysis::TsneOptions o;
  o.dims = n_components;
  o.perplexity = perplexity;
  o.early_exaggeration = early_exaggeration;
  o.learning_rate = learning_rate;
  o.max_iter = max_iter;
  o.theta = angle;
  o.init = init;
  o.seed = random_state;
  o.verbose = verbose;
  analysis::TsneResult r =
      run_compute("t-SNE", [&] { return analysis::tsne(x.x.data(), x.n, x.features(), o); });
  return pyb::make_tuple(to_array(std::move(r.embedding), {x.n, n_components}), r.kl, r.iterations);
}

}  // namespace

void bind_latent(pybind11::module_& m) {
  m.def("kmeans", &kmeans, pyb::arg("X"), pyb::arg("n_clusters"), pyb::arg("n_init") = 10,
        pyb::arg("max_iter") = 300, pyb::arg("tol") = 1e-4, pyb::arg("random_state") = 0,
        "k-means++ and Lloyd: (cluster_centers, labels, inertia, n_iter).");
  m.def("silhouette_score", &silhouette, pyb::arg("X"), pyb::arg("labels"),
        pyb::arg("sample_size") = 0, pyb::arg("random_state") = 0);
  m.def("pca_fit", &pca_fit, pyb::arg("X"), pyb::arg("n_components"),
        pyb::arg("svd_solver") = "auto", pyb::arg("random_state") = 0);
  m.def("tsne", &tsne, pyb::arg("X"), pyb::arg("n_components") = 2, pyb::arg("perplexity") = 30.0,
        pyb::arg("early_exaggeration") = 12.0, pyb::arg("learning_rate") = -1.0,
        pyb::arg("max_iter") = 1000, pyb::arg("angle") = 0.5, pyb::arg("init") = "pca",
        pyb::arg("random_state") = 0, pyb::arg("verbose") = false,
        "Barnes-Hut t-SNE: (embedding, kl_divergence, n_iter).");
}

}  // namespace hg::py
