// Clustering through a t-SNE map (apps/analysis/manifold_cluster.h): blobs with known labels
// recovered by every method on the fit rows and on held-out rows, the kNN vote (ties, capping),
// standardisation with the fit rows' statistics, evaluated rows that are fit rows keeping their
// cluster, the seeded subsample, thread-count invariance, the verdict line, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "apps/analysis/cluster_metrics.h"
#include "apps/analysis/manifold_cluster.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cpu/parallel.h"

namespace hg::analysis {
namespace {

namespace kcpu = hg::kernels::cpu;

struct Split {
  std::vector<float> fit, eval;
  std::vector<int32_t> fit_y, eval_y;
  int64_t n_fit = 0, n_eval = 0, d = 0;
};

// k blobs in d dimensions (centers uniform in [-spread, spread]^d, unit noise): `per_fit` rows of
// each for fitting and `per_eval` more, drawn the same way, held out.
Split blobs(int k, int64_t per_fit, int64_t per_eval, int64_t d, double spread, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> c(static_cast<size_t>(k * d));
  for (double& v : c) v = rng.uniform(-spread, spread);
  Split s;
  s.d = d;
  auto draw = [&](int64_t per, std::vector<float>& X, std::vector<int32_t>& y) {
    for (int64_t i = 0; i < per * k; ++i) {
      const int cl = static_cast<int>(i % k);
      y.push_back(cl);
      for (int64_t t = 0; t < d; ++t) X.push_back(static_cast<float>(c[cl * d + t] + rng.normal()));
    }
    return per * k;
  };
  s.n_fit = draw(per_fit, s.fit, s.fit_y);
  s.n_eval = draw(per_eval, s.eval, s.eval_y);
  return s;
}

ManifoldOptions options(int k) {
  ManifoldOptions o;
  o.k = k;
  o.tsne.max_iter = 500;  // plenty for a few hundred well-separated points, and quick
  return o;
}

TEST(ManifoldCluster, EveryMethodRecoversBlobsOnFitAndHeldOutRows) {
  const Split s = blobs(5, 120, 40, 8, 20.0, 1);
  for (ClusterMethod m :
       {ClusterMethod::KMeans, ClusterMethod::TsneKMeans, ClusterMethod::TsneGmm}) {
    const ManifoldClustering c =
        manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d, m, options(5));
    EXPECT_EQ(c.method, m);
    EXPECT_EQ(clustering_accuracy(s.fit_y, c.fit_labels), 1.0) << cluster_method_name(m);
    EXPECT_EQ(clustering_accuracy(s.eval_y, c.labels), 1.0) << cluster_method_name(m);
    EXPECT_EQ(c.assigned_by_neighbours, s.n_eval);
    EXPECT_EQ(c.map.size(), uses_map(m) ? static_cast<size_t>(2 * s.n_fit) : 0u);
    if (uses_map(m)) {
      EXPECT_GT(c.map_kl, 0.0);
    }
    EXPECT_TRUE(c.standardizer.mean.empty());  // not asked for
  }
}

TEST(ManifoldCluster, HeldOutRowsGetTheVoteOfTheirNeighbours) {
  // Overlapping blobs, so the vote matters: the held-out rows' clusters must be exactly the
  // majority of their assign_k nearest fit rows' clusters.
  const Split s = blobs(4, 100, 50, 5, 3.0, 2);
  ManifoldOptions o = options(4);
  o.assign_k = 7;
  const ManifoldClustering c = manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d,
                                                ClusterMethod::TsneKMeans, o);
  EXPECT_EQ(c.labels,
            knn_vote(s.fit.data(), s.n_fit, c.fit_labels, s.eval.data(), s.n_eval, s.d, 7));
  // The vote by hand for a few rows: counts over the 7 nearest by brute force.
  for (int64_t q = 0; q < s.n_eval; q += 17) {
    std::vector<std::pair<double, int64_t>> dist;
    for (int64_t i = 0; i < s.n_fit; ++i) {
      double d2 = 0;
      for (int64_t t = 0; t < s.d; ++t) {
        const double diff = static_cast<double>(s.eval[q * s.d + t]) - s.fit[i * s.d + t];
        d2 += diff * diff;
      }
      dist.push_back({d2, i});
    }
    std::sort(dist.begin(), dist.end());
    std::vector<int> votes(4, 0);
    for (int j = 0; j < 7; ++j) ++votes[c.fit_labels[dist[j].second]];
    const int top = *std::max_element(votes.begin(), votes.end());
    EXPECT_EQ(votes[c.labels[q]], top) << "row " << q;
  }
}

TEST(ManifoldCluster, KnnVoteTiesGoToTheNearerNeighbour) {
  // Reference rows on a line at 0, 1, 2, 3, 10 with clusters 5, 7, 7, 5, 9.
  const std::vector<float> R = {0, 1, 2, 3, 10};
  const std::vector<int32_t> lab = {5, 7, 7, 5, 9};
  // Query 0.4: neighbours 0 (5), 1 (7), 2 (7), 3 (5): 2-2 tie, the nearest (row 0) says 5.
  // Query 1.4: 1 (7), 2 (7), 0 (5), 3 (5): tie, nearest says 7. With k = 3 from 0.4: 5, 7, 7 -> 7.
  const std::vector<float> Q = {0.4f, 1.4f};
  EXPECT_EQ(knn_vote(R.data(), 5, lab, Q.data(), 2, 1, 4), (std::vector<int32_t>{5, 7}));
  EXPECT_EQ(knn_vote(R.data(), 5, lab, Q.data(), 1, 1, 3), (std::vector<int32_t>{7}));
  EXPECT_EQ(knn_vote(R.data(), 5, lab, Q.data(), 1, 1, 1), (std::vector<int32_t>{5}));
  // k beyond n is capped: all five vote, 5 and 7 tie at two, the nearest (row 0) says 5.
  EXPECT_EQ(knn_vote(R.data(), 5, lab, Q.data(), 1, 1, 50), (std::vector<int32_t>{5}));
  EXPECT_THROW(knn_vote(R.data(), 5, lab, Q.data(), 1, 1, 0), Error);
  EXPECT_THROW(knn_vote(R.data(), 4, lab, Q.data(), 1, 1, 2), Error);
  EXPECT_EQ(nearest_center({0, 1, 2, 3, 10}, 5, Q.data(), 2, 1), (std::vector<int32_t>{0, 1}));
}

TEST(ManifoldCluster, StandardisationUsesTheFitRowsStatistics) {
  // The clusters live in columns 0-2 (spread 10); column 3 is noise of std 500 and column 4 a
  // constant. Unscaled, the noise column dominates every distance and k-means cuts it instead.
  Split s = blobs(3, 100, 30, 5, 10.0, 3);
  Rng rng(30);
  for (std::vector<float>* X : {&s.fit, &s.eval})
    for (size_t i = 0; i < X->size() / 5; ++i) {
      (*X)[i * 5 + 3] = static_cast<float>(500.0 * rng.normal());
      (*X)[i * 5 + 4] = 7.0f;
    }
  ManifoldOptions o = options(3);
  const ManifoldClustering raw = manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval,
                                                  s.d, ClusterMethod::KMeans, o);
  EXPECT_LT(clustering_accuracy(s.fit_y, raw.fit_labels), 0.8);
  o.standardize = true;
  const ManifoldClustering z = manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d,
                                                ClusterMethod::KMeans, o);
  // Standardised, the three informative columns carry 3/4 of the variance: enough here.
  EXPECT_EQ(clustering_accuracy(s.fit_y, z.fit_labels), 1.0);
  EXPECT_EQ(clustering_accuracy(s.eval_y, z.labels), 1.0);
  ASSERT_EQ(z.standardizer.mean.size(), 5u);
  EXPECT_EQ(z.standardizer.scale[4], 1.0);  // the constant column keeps scale 1
  EXPECT_NEAR(z.standardizer.mean[4], 7.0, 1e-12);
  // The fit rows as clustered have mean 0 and std 1 per (non-constant) column, and the
  // evaluated rows went through the same map: (x - mean_fit) / scale_fit.
  for (int64_t t = 0; t < 4; ++t) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < s.n_fit; ++i) m += z.fit_rows[i * 5 + t];
    m /= s.n_fit;
    for (int64_t i = 0; i < s.n_fit; ++i)
      v += (z.fit_rows[i * 5 + t] - m) * (z.fit_rows[i * 5 + t] - m);
    EXPECT_NEAR(m, 0.0, 1e-5) << t;
    EXPECT_NEAR(std::sqrt(v / s.n_fit), 1.0, 1e-5) << t;
    EXPECT_NEAR(z.eval_rows[3 * 5 + t],
                (s.eval[3 * 5 + t] - z.standardizer.mean[t]) / z.standardizer.scale[t], 1e-5);
  }
  for (int64_t i = 0; i < s.n_fit; ++i) EXPECT_EQ(z.fit_rows[i * 5 + 4], 0.0f);
}

TEST(ManifoldCluster, EvaluatedRowsThatAreFitRowsKeepTheirCluster) {
  // The evaluated rows are all the fit rows (a subsample's complement is voted on): rows 0..n_fit-1
  // of `eval` are the fit rows in order, the rest are new.
  const Split s = blobs(3, 60, 20, 4, 15.0, 4);
  std::vector<float> eval = s.fit;
  eval.insert(eval.end(), s.eval.begin(), s.eval.end());
  std::vector<int64_t> same(static_cast<size_t>(s.n_fit + s.n_eval), -1);
  for (int64_t i = 0; i < s.n_fit; ++i) same[i] = i;
  for (ClusterMethod m : {ClusterMethod::KMeans, ClusterMethod::TsneGmm}) {
    const ManifoldClustering c = manifold_cluster(s.fit.data(), s.n_fit, eval.data(),
                                                  s.n_fit + s.n_eval, s.d, m, options(3), same);
    EXPECT_EQ(c.assigned_by_neighbours, s.n_eval);
    for (int64_t i = 0; i < s.n_fit; ++i) ASSERT_EQ(c.labels[i], c.fit_labels[i]) << i;
    std::vector<int32_t> truth = s.fit_y;
    truth.insert(truth.end(), s.eval_y.begin(), s.eval_y.end());
    EXPECT_EQ(clustering_accuracy(truth, c.labels), 1.0) << cluster_method_name(m);
  }
}

TEST(ManifoldCluster, SameResultForOneAndTwoThreads) {
  const Split s = blobs(4, 80, 30, 6, 6.0, 5);
  ManifoldOptions o = options(4);
  o.standardize = true;
  o.seed = 9;
  o.tsne.seed = 9;
  for (ClusterMethod m : {ClusterMethod::TsneKMeans, ClusterMethod::TsneGmm}) {
    kcpu::set_num_threads(1);
    const ManifoldClustering a =
        manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d, m, o);
    kcpu::set_num_threads(2);
    const ManifoldClustering b =
        manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d, m, o);
    kcpu::set_num_threads(0);
    EXPECT_EQ(a.map, b.map) << cluster_method_name(m);
    EXPECT_EQ(a.fit_labels, b.fit_labels);
    EXPECT_EQ(a.labels, b.labels);
    // A precomputed map gives the same clusters as computing it again.
    TsneResult t;
    t.embedding = a.map;
    const ManifoldClustering p =
        manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d, m, o, {}, &t);
    EXPECT_EQ(p.labels, a.labels);
  }
}

TEST(ManifoldCluster, SeededSubsample) {
  const std::vector<int64_t> a = seeded_subsample(1000, 100, 3);
  ASSERT_EQ(a.size(), 100u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_GE(a.front(), 0);
  EXPECT_LT(a.back(), 1000);
  EXPECT_EQ(a, seeded_subsample(1000, 100, 3));
  EXPECT_NE(a, seeded_subsample(1000, 100, 4));
  EXPECT_GT(a.back() - a.front(), 500);  // spread over the range, not the first rows
  for (int64_t limit : {0, 1000, 5000}) EXPECT_EQ(seeded_subsample(1000, limit, 3).size(), 1000u);
}

TEST(ManifoldCluster, VerdictNamesTheWinnerFromTheFigures) {
  const ScoredEntry head{"latent", "tsne-kmeans", 0.912};
  EXPECT_EQ(cluster_verdict(head, {{"pixels", "kmeans", 0.531}, {"pixels", "tsne-kmeans", 0.62}}),
            "latent tsne-kmeans ACC 0.91 vs pixels kmeans 0.53, pixels tsne-kmeans 0.62: latent "
            "wins by 0.292");
  EXPECT_EQ(cluster_verdict(head, {{"pixels", "kmeans", 0.5}, {"pixels", "tsne-kmeans", 0.95}}),
            "latent tsne-kmeans ACC 0.91 vs pixels kmeans 0.50, pixels tsne-kmeans 0.95: pixels "
            "win by 0.038");
  EXPECT_EQ(cluster_verdict(head, {{"pixels", "kmeans", 0.5}, {"pca-10", "tsne-kmeans", 0.93}}),
            "latent tsne-kmeans ACC 0.91 vs pixels kmeans 0.50, pca-10 tsne-kmeans 0.93: pca-10 "
            "wins by 0.018");
  // Figures that round alike: the margin still tells them apart.
  EXPECT_EQ(cluster_verdict(head, {{"pixels", "kmeans", 0.909}}),
            "latent tsne-kmeans ACC 0.91 vs pixels kmeans 0.91: latent wins by 0.003");
  EXPECT_EQ(cluster_verdict(head, {{"pixels", "kmeans", 0.912}}),
            "latent tsne-kmeans ACC 0.91 vs pixels kmeans 0.91: a tie with pixels kmeans");
  EXPECT_EQ(cluster_verdict({"latent", "kmeans", -1}, {{"pixels", "kmeans", -1}}),
            "latent kmeans: no labels, so no accuracy to compare");
}

TEST(ManifoldCluster, Errors) {
  const Split s = blobs(3, 10, 5, 2, 10.0, 6);
  ManifoldOptions o = options(3);
  o.k = 31;
  try {
    manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d, ClusterMethod::KMeans, o);
    FAIL() << "k > n_fit accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("30 fit rows"), std::string::npos) << e.what();
  }
  o.k = 3;
  o.assign_k = 0;
  EXPECT_THROW(manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d,
                                ClusterMethod::KMeans, o),
               Error);
  o.assign_k = 10;
  std::vector<float> bad = s.eval;
  bad[4 * 2 + 1] = INFINITY;
  try {
    manifold_cluster(s.fit.data(), s.n_fit, bad.data(), s.n_eval, s.d, ClusterMethod::KMeans, o);
    FAIL() << "infinity accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("evaluated row 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(manifold_cluster(s.fit.data(), s.n_fit, s.eval.data(), s.n_eval, s.d,
                                ClusterMethod::KMeans, o, std::vector<int64_t>(3, 0)),
               Error);  // eval_fit_row of the wrong size
  EXPECT_EQ(parse_cluster_method("tsne-gmm"), ClusterMethod::TsneGmm);
  try {
    parse_cluster_method("dbscan");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dbscan"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hg::analysis
