// Clustering through a t-SNE map, fitted on one set of rows and applied to another (see
// manifold_cluster.h).
#include "apps/analysis/manifold_cluster.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <utility>

#include "apps/analysis/gmm.h"
#include "apps/analysis/kmeans.h"
#include "apps/analysis/lof.h"  // detail::exact_knn
#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::analysis {

namespace host = hg::host;

namespace {

std::string s(int64_t v) { return std::to_string(v); }

// `prefix` names the rows, e.g. "manifold cluster: fit row ".
void check_finite(const float* X, int64_t n, int64_t d, const std::string& prefix) {
  const int64_t bad = detail::first_nonfinite_row(X, n, d);
  if (bad < n) throw Error(prefix + s(bad) + " has a NaN or infinity");
}

void check_options(const ManifoldOptions& o, int64_t n_fit) {
  if (o.k < 1) throw Error("manifold cluster: k must be >= 1 (got " + s(o.k) + ")");
  if (o.k > n_fit)
    throw Error("manifold cluster: k = " + s(o.k) + " exceeds the " + s(n_fit) + " fit rows");
  if (o.assign_k < 1)
    throw Error("manifold cluster: assign_k must be >= 1 (got " + s(o.assign_k) + ")");
  if (o.kmeans_n_init < 1 || o.map_kmeans_n_init < 1 || o.gmm_n_init < 1)
    throw Error("manifold cluster: every n_init must be >= 1");
}

// The evaluated rows that are not fit rows (so need assigning), ascending.
std::vector<int64_t> rows_to_assign(int64_t n_eval, const std::vector<int64_t>& eval_fit_row) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n_eval; ++i)
    if (eval_fit_row.empty() || eval_fit_row[i] < 0) out.push_back(i);
  return out;
}

// The rows `rows` of X [., d], in that order.
std::vector<float> gather_rows(const std::vector<float>& X, int64_t d,
                               const std::vector<int64_t>& rows) {
  std::vector<float> out(rows.size() * static_cast<size_t>(d));
  for (size_t r = 0; r < rows.size(); ++r)
    std::copy_n(X.begin() + rows[r] * d, d, out.begin() + static_cast<int64_t>(r) * d);
  return out;
}

}  // namespace

const char* cluster_method_name(ClusterMethod m) {
  switch (m) {
    case ClusterMethod::KMeans: return "kmeans";
    case ClusterMethod::TsneKMeans: return "tsne-kmeans";
    case ClusterMethod::TsneGmm: return "tsne-gmm";
  }
  return "?";
}

ClusterMethod parse_cluster_method(const std::string& name) {
  for (ClusterMethod m : {ClusterMethod::KMeans, ClusterMethod::TsneKMeans, ClusterMethod::TsneGmm})
    if (name == cluster_method_name(m)) return m;
  throw Error("unknown clustering method '" + name + "' (kmeans, tsne-kmeans or tsne-gmm)");
}

bool uses_map(ClusterMethod m) { return m != ClusterMethod::KMeans; }

Standardizer Standardizer::fit(const float* X, int64_t n, int64_t d) {
  if (n < 1 || d < 1)
    throw Error("standardize: no rows or no columns (" + s(n) + " x " + s(d) + ")");
  check_finite(X, n, d, "standardize: row ");
  Standardizer st;
  st.mean.assign(static_cast<size_t>(d), 0.0);
  st.scale.assign(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) st.mean[t] += X[i * d + t];
  for (double& m : st.mean) m /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) {
      const double c = X[i * d + t] - st.mean[t];
      st.scale[t] += c * c;
    }
  for (int64_t t = 0; t < d; ++t) {
    const double sd = std::sqrt(st.scale[t] / static_cast<double>(n));
    // A constant column: its mean can round so that the spread is a few ulps, not 0; dividing by
    // that would blow rounding noise up to unit scale.
    st.scale[t] = sd > 10 * DBL_EPSILON * std::max(1.0, std::fabs(st.mean[t])) ? sd : 1.0;
  }
  return st;
}

std::vector<float> Standardizer::transform(const float* X, int64_t n) const {
  const int64_t d = static_cast<int64_t>(mean.size());
  std::vector<float> out(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t)
      out[i * d + t] = static_cast<float>((X[i * d + t] - mean[t]) / scale[t]);
  return out;
}

std::vector<int32_t> cluster_fit_rows(ClusterMethod m, const float* X, int64_t n, int64_t d,
                                      const std::vector<float>& map, const ManifoldOptions& o,
                                      std::vector<float>* centers) {
  if (centers) centers->clear();
  if (m == ClusterMethod::KMeans) {
    KMeansOptions ko;
    ko.k = o.k, ko.n_init = o.kmeans_n_init, ko.seed = o.seed;
    KMeansResult r = kmeans(X, n, d, ko);
    if (centers) *centers = std::move(r.centers);
    return r.labels;
  }
  const int64_t dims = n > 0 ? static_cast<int64_t>(map.size()) / n : 0;
  if (dims < 1 || static_cast<int64_t>(map.size()) != n * dims)
    throw Error("manifold cluster: the map has " + s(static_cast<int64_t>(map.size())) +
                " values for " + s(n) + " rows");
  if (m == ClusterMethod::TsneKMeans) {
    KMeansOptions ko;
    ko.k = o.k, ko.n_init = o.map_kmeans_n_init, ko.seed = o.seed;
    return kmeans(map.data(), n, dims, ko).labels;
  }
  GmmOptions go;
  go.k = o.k, go.n_init = o.gmm_n_init, go.seed = o.seed;
  return fit_gmm(map.data(), n, dims, go).labels;
}

std::vector<int32_t> knn_vote(const float* R, int64_t n, const std::vector<int32_t>& labels,
                              const float* Q, int64_t m, int64_t d, int k) {
  if (k < 1) throw Error("knn vote: k must be >= 1 (got " + s(k) + ")");
  if (static_cast<int64_t>(labels.size()) != n)
    throw Error("knn vote: " + s(static_cast<int64_t>(labels.size())) + " labels for " + s(n) +
                " rows");
  std::vector<int32_t> out(static_cast<size_t>(m));
  if (m == 0) return out;
  k = static_cast<int>(std::min<int64_t>(k, n));
  std::vector<int32_t> idx;
  std::vector<double> dist;
  detail::exact_knn(R, n, Q, m, d, k, false, &idx, &dist);
  for (int64_t q = 0; q < m; ++q) {
    // Neighbours come nearest first, so the first cluster to reach the top count among the tied
    // ones is the nearest neighbour's.
    std::vector<std::pair<int32_t, int>> votes;  // (cluster, count), in order of first appearance
    for (int j = 0; j < k; ++j) {
      const int32_t c = labels[idx[q * k + j]];
      auto it =
          std::find_if(votes.begin(), votes.end(), [&](const auto& v) { return v.first == c; });
      if (it == votes.end())
        votes.push_back({c, 1});
      else
        ++it->second;
    }
    auto best = votes.begin();
    for (auto it = votes.begin(); it != votes.end(); ++it)
      if (it->second > best->second) best = it;
    out[q] = best->first;
  }
  return out;
}

std::vector<int32_t> nearest_center(const std::vector<float>& centers, int k, const float* Q,
                                    int64_t m, int64_t d) {
  if (k < 1 || static_cast<int64_t>(centers.size()) != k * d)
    throw Error("nearest center: " + s(static_cast<int64_t>(centers.size())) +
                " center values for k = " + s(k));
  std::vector<int32_t> out(static_cast<size_t>(m));
  host::parallel_for(0, m, std::max<int64_t>(1, 8192 / (k * d)), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      double best = 0;
      for (int j = 0; j < k; ++j) {
        double s2 = 0;
        for (int64_t t = 0; t < d; ++t) {
          const double diff = static_cast<double>(Q[i * d + t]) - centers[j * d + t];
          s2 += diff * diff;
        }
        if (j == 0 || s2 < best) best = s2, out[i] = j;
      }
    }
  });
  return out;
}

ManifoldClustering manifold_cluster(const float* fit, int64_t n_fit, const float* eval,
                                    int64_t n_eval, int64_t d, ClusterMethod method,
                                    const ManifoldOptions& o,
                                    const std::vector<int64_t>& eval_fit_row,
                                    const TsneResult* precomputed_map) {
  if (n_fit < 1 || d < 1)
    throw Error("manifold cluster: no fit rows or no columns (" + s(n_fit) + " x " + s(d) + ")");
  if (n_eval < 0) throw Error("manifold cluster: negative number of evaluated rows");
  check_options(o, n_fit);
  if (!eval_fit_row.empty() && static_cast<int64_t>(eval_fit_row.size()) != n_eval)
    throw Error("manifold cluster: eval_fit_row has " +
                s(static_cast<int64_t>(eval_fit_row.size())) + " entries for " + s(n_eval) +
                " evaluated rows");
  for (int64_t r : eval_fit_row)
    if (r >= n_fit)
      throw Error("manifold cluster: eval_fit_row entry " + s(r) + " is not a fit row");
  check_finite(fit, n_fit, d, "manifold cluster: fit row ");
  check_finite(eval, n_eval, d, "manifold cluster: evaluated row ");

  ManifoldClustering c;
  c.method = method;
  if (o.standardize) {
    c.standardizer = Standardizer::fit(fit, n_fit, d);
    c.fit_rows = c.standardizer.transform(fit, n_fit);
    c.eval_rows = c.standardizer.transform(eval, n_eval);
  } else {
    c.fit_rows.assign(fit, fit + n_fit * d);
    c.eval_rows.assign(eval, eval + n_eval * d);
  }
  if (uses_map(method)) {
    const TsneResult t =
        precomputed_map ? *precomputed_map : tsne(c.fit_rows.data(), n_fit, d, o.tsne);
    if (static_cast<int64_t>(t.embedding.size()) % n_fit != 0)
      throw Error("manifold cluster: the precomputed map does not have one point per fit row");
    c.map = t.embedding;
    c.map_kl = t.kl;
    c.map_seconds = t.seconds;
  }
  std::vector<float> centers;
  c.fit_labels = cluster_fit_rows(method, c.fit_rows.data(), n_fit, d, c.map, o, &centers);

  c.labels.assign(static_cast<size_t>(n_eval), -1);
  for (int64_t i = 0; i < static_cast<int64_t>(eval_fit_row.size()); ++i)
    if (eval_fit_row[i] >= 0) c.labels[i] = c.fit_labels[eval_fit_row[i]];
  const std::vector<int64_t> todo = rows_to_assign(n_eval, eval_fit_row);
  c.assigned_by_neighbours = static_cast<int64_t>(todo.size());
  if (todo.empty()) return c;
  const std::vector<float> Q = gather_rows(c.eval_rows, d, todo);
  const int64_t m = static_cast<int64_t>(todo.size());
  const std::vector<int32_t> got =
      method == ClusterMethod::KMeans
          ? nearest_center(centers, o.k, Q.data(), m, d)
          : knn_vote(c.fit_rows.data(), n_fit, c.fit_labels, Q.data(), m, d, o.assign_k);
  for (int64_t r = 0; r < m; ++r) c.labels[todo[r]] = got[r];
  return c;
}

std::vector<int64_t> seeded_subsample(int64_t n, int64_t limit, uint64_t seed) {
  std::vector<int64_t> idx(static_cast<size_t>(std::max<int64_t>(n, 0)));
  std::iota(idx.begin(), idx.end(), int64_t{0});
  if (limit <= 0 || limit >= n) return idx;
  Rng rng(seed);
  for (int64_t i = 0; i < limit; ++i)  // partial Fisher-Yates: the first `limit` slots
    std::swap(idx[i], idx[i + static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - i)))]);
  idx.resize(static_cast<size_t>(limit));
  std::sort(idx.begin(), idx.end());
  return idx;
}

std::string cluster_verdict(const ScoredEntry& headline,
                            const std::vector<ScoredEntry>& baselines) {
  auto fixed = [](double a, int digits) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", digits, a);
    return std::string(b);
  };
  auto acc2 = [&](double a) { return fixed(a, 2); };
  const std::string head = headline.space + " " + headline.method;
  std::vector<const ScoredEntry*> scored;
  for (const ScoredEntry& b : baselines)
    if (b.acc >= 0) scored.push_back(&b);
  if (headline.acc < 0 || scored.empty()) return head + ": no labels, so no accuracy to compare";
  std::string line = head + " ACC " + acc2(headline.acc) + " vs ";
  const ScoredEntry* top = scored.front();
  for (size_t i = 0; i < scored.size(); ++i) {
    line +=
        (i ? ", " : "") + scored[i]->space + " " + scored[i]->method + " " + acc2(scored[i]->acc);
    if (scored[i]->acc > top->acc) top = scored[i];
  }
  // The margin in three decimals: two-decimal figures can look equal when they are not.
  const std::string by = " by " + fixed(std::fabs(headline.acc - top->acc), 3);
  if (headline.acc > top->acc)
    return line + ": " + headline.space + (headline.space == "pixels" ? " win" : " wins") + by;
  if (headline.acc == top->acc) return line + ": a tie with " + top->space + " " + top->method;
  return line + ": " + top->space + (top->space == "pixels" ? " win" : " wins") + by;
}

}  // namespace hg::analysis
