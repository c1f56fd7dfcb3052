// t-SNE: the exact gradient against central differences of the KL divergence, Barnes-Hut against
// exact, the perplexity calibration, the neighbour search against brute force, the symmetrised P,
// the PCA initialisation, an end-to-end run on separated blobs, determinism, and the error cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "apps/analysis/pca.h"
#include "apps/analysis/tsne.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cpu/parallel.h"

namespace hg::analysis {
namespace {

using namespace tsne_detail;

// A symmetric, zero-diagonal, positive P summing to 1.
std::vector<double> random_dense_p(int64_t n, Rng& rng) {
  std::vector<double> P(n * n, 0.0);
  double total = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      const double v = 0.05 + rng.uniform();
      P[i * n + j] = P[j * n + i] = v;
      total += 2 * v;
    }
  for (double& v : P) v /= total;
  return P;
}

// The t-SNE objective with P's attractive term multiplied by ex, computed directly:
// ex * sum_ij p_ij log(1 + d_ij^2) + log Z + sum_ij p_ij log p_ij (= KL(P || Q) when ex = 1).
double objective(const std::vector<double>& P, const std::vector<double>& Y, int64_t n, int dims,
                 double ex) {
  double Z = 0, a = 0, ent = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      double d2 = 0;
      for (int c = 0; c < dims; ++c)
        d2 += (Y[i * dims + c] - Y[j * dims + c]) * (Y[i * dims + c] - Y[j * dims + c]);
      Z += 1.0 / (1.0 + d2);
      const double p = P[i * n + j];
      if (p > 0) {
        a += p * std::log(1.0 + d2);
        ent += p * std::log(p);
      }
    }
  return ex * a + std::log(Z) + ent;
}

std::vector<double> gaussian(int64_t count, double scale, Rng& rng) {
  std::vector<double> v(count);
  for (double& x : v) x = scale * rng.normal();
  return v;
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

double rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return norm(d) / norm(b);
}

std::vector<double> to_dense(const SparseP& P) {
  std::vector<double> D(P.n * P.n, 0.0);
  for (int64_t i = 0; i < P.n; ++i)
    for (int64_t e = P.row_ptr[i]; e < P.row_ptr[i + 1]; ++e) D[i * P.n + P.col[e]] = P.val[e];
  return D;
}

// n points in d dimensions around `blobs` centres that are `sep` apart along different axes.
std::vector<float> blobs(int64_t per_blob, int blobs_count, int d, double sep, Rng& rng,
                         std::vector<int>* labels) {
  std::vector<float> X;
  for (int b = 0; b < blobs_count; ++b)
    for (int64_t i = 0; i < per_blob; ++i) {
      for (int c = 0; c < d; ++c)
        X.push_back(static_cast<float>((c == b ? sep : 0.0) + rng.normal()));
      if (labels) labels->push_back(b);
    }
  return X;
}

// Leave-one-out 1-nearest-neighbour accuracy of the labels in the embedding.
double one_nn_accuracy(const std::vector<float>& E, int dims, const std::vector<int>& labels) {
  const int64_t n = static_cast<int64_t>(labels.size());
  int64_t right = 0;
  for (int64_t i = 0; i < n; ++i) {
    double best = 1e300;
    int64_t arg = -1;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      double d2 = 0;
      for (int c = 0; c < dims; ++c)
        d2 += (E[i * dims + c] - E[j * dims + c]) * (E[i * dims + c] - E[j * dims + c]);
      if (d2 < best) best = d2, arg = j;
    }
    right += labels[arg] == labels[i];
  }
  return static_cast<double>(right) / n;
}

struct ThreadScope {
  int saved = kernels::cpu::num_threads();
  explicit ThreadScope(int t) { kernels::cpu::set_num_threads(t); }
  ~ThreadScope() { kernels::cpu::set_num_threads(saved); }
};

TEST(Tsne, ExactGradientMatchesCentralDifferences) {
  Rng rng(1);
  const int64_t n = 20;
  for (int dims : {2, 3}) {
    const std::vector<double> P = random_dense_p(n, rng);
    std::vector<double> Y = gaussian(n * dims, 1.5, rng);
    for (double ex : {1.0, 12.0}) {
      std::vector<double> g(n * dims);
      const double kl = exact_gradient(P.data(), Y.data(), n, dims, ex, g.data(), true);
      EXPECT_NEAR(kl, objective(P, Y, n, dims, 1.0), 1e-12);
      std::vector<double> num(n * dims);
      const double h = 1e-5;
      for (int64_t t = 0; t < n * dims; ++t) {
        const double y0 = Y[t];
        Y[t] = y0 + h;
        const double fp = objective(P, Y, n, dims, ex);
        Y[t] = y0 - h;
        const double fm = objective(P, Y, n, dims, ex);
        Y[t] = y0;
        num[t] = (fp - fm) / (2 * h);
      }
      EXPECT_LT(rel_diff(g, num), 1e-7) << "dims " << dims << " exaggeration " << ex;
      for (int64_t t = 0; t < n * dims; ++t)
        EXPECT_NEAR(g[t], num[t], 1e-7 * norm(num)) << "dims " << dims << " entry " << t;
    }
  }
}

TEST(Tsne, BarnesHutGradientCloseToExact) {
  Rng rng(2);
  const int64_t n = 600;
  for (int dims : {2, 3}) {
    std::vector<int> lab;
    const std::vector<float> X = blobs(n / 3, 3, 5, 4.0, rng, &lab);
    const SparseP P = sparse_affinities(X.data(), n, 5, 20.0);
    const std::vector<double> Pd = to_dense(P);
    // An embedding with structure at several scales: clusters of clusters.
    std::vector<double> Y(n * dims);
    for (int64_t i = 0; i < n; ++i)
      for (int c = 0; c < dims; ++c)
        Y[i * dims + c] = 20.0 * (c == lab[i]) + 3.0 * ((i / 10) % 4 == c) + rng.normal();
    for (double ex : {1.0, 12.0}) {
      std::vector<double> ge(n * dims), g0(n * dims), g1(n * dims), g5(n * dims);
      const double kle = exact_gradient(Pd.data(), Y.data(), n, dims, ex, ge.data(), true);
      double z0 = 0, z1 = 0;
      const double kl0 = bh_gradient(P, Y.data(), n, dims, 0.0, ex, g0.data(), true, &z0);
      const double kl1 = bh_gradient(P, Y.data(), n, dims, 0.1, ex, g1.data(), true, &z1);
      bh_gradient(P, Y.data(), n, dims, 0.5, ex, g5.data(), false);
      const double ez = exact_normalizer(Y.data(), n, dims);
      // theta = 0 opens every cell: exact up to rounding.
      EXPECT_LT(rel_diff(g0, ge), 1e-12);
      EXPECT_NEAR(z0, ez, 1e-10 * ez);
      EXPECT_NEAR(kl0, kle, 1e-10);
      // theta = 0.1: close; theta = 0.5: further off but still a good approximation.
      const double e1 = rel_diff(g1, ge), e5 = rel_diff(g5, ge);
      EXPECT_LT(e1, 1e-4) << "dims " << dims;
      EXPECT_GT(e1, 0.0);
      EXPECT_LT(e5, 1e-2) << "dims " << dims;
      EXPECT_GT(e5, e1);
      EXPECT_NEAR(z1, ez, 1e-4 * ez);
      EXPECT_NEAR(kl1, kle, 1e-4);
      EXPECT_NEAR(sparse_kl(P, Y.data(), dims, ez), kle, 1e-10);
    }
  }
}

TEST(Tsne, BarnesHutHandlesDuplicatesAndTinyInputs) {
  // Points on top of each other (one Morton code) and n = 1, 2: no self-interaction, exact sums.
  for (int64_t n : {1, 2, 9}) {
    std::vector<double> Y(n * 2, 0.5);
    if (n == 9) Y[16] = 2.5;  // one point apart from eight identical ones
    BarnesHut bh;
    std::vector<double> F(n * 2);
    const double Z = bh.repulsion(Y.data(), n, 2, 0.5, F.data());
    EXPECT_NEAR(Z, n == 9 ? 8 * 7 + 2 * 8 / 5.0 : n * (n - 1.0), 1e-12) << n;
    if (n == 9) {
      EXPECT_NEAR(F[16], 8 * 2.0 / 25.0, 1e-12);
      EXPECT_NEAR(F[0], -2.0 / 25.0, 1e-12);
    }
  }
}

TEST(Tsne, PerplexityCalibrationHitsTarget) {
  Rng rng(3);
  const int k = 91;
  const int64_t rows = 50;
  std::vector<double> d2(rows * k);
  for (int64_t i = 0; i < rows; ++i)
    for (int j = 0; j < k; ++j)  // distance scales from 1e-3 to 1e3 across rows
      d2[i * k + j] = std::pow(10.0, -3.0 + 6.0 * i / rows) * (0.5 + rng.uniform()) * (j + 1);
  for (double perp : {2.0, 5.0, 30.0, 80.0}) {
    std::vector<double> P(rows * k), beta(rows);
    calibrate_perplexity(d2.data(), rows, k, perp, P.data(), beta.data());
    for (int64_t i = 0; i < rows; ++i) {
      double H = 0, sum = 0;
      for (int j = 0; j < k; ++j) {
        const double p = P[i * k + j];
        sum += p;
        if (p > 0) H -= p * std::log(p);
      }
      EXPECT_NEAR(sum, 1.0, 1e-12);
      EXPECT_NEAR(std::exp(H), perp, 1e-4 * perp) << "row " << i << " perplexity " << perp;
      // A Gaussian kernel of the distances with the returned precision.
      for (int j = 1; j < k; j += 7)
        if (P[i * k + j] > 1e-200) {
          EXPECT_NEAR(std::log(P[i * k + j] / P[i * k]), -beta[i] * (d2[i * k + j] - d2[i * k]),
                      1e-8 * (1 + beta[i] * d2[i * k + j]));
        }
    }
  }
}

TEST(Tsne, NearestNeighboursMatchBruteForce) {
  Rng rng(4);
  const int64_t n = 2500;  // crosses the SGEMM column blocks; rows blocks end in a remainder
  const int64_t d = 7;
  std::vector<float> X(n * d);
  for (float& v : X) v = static_cast<float>(3.0 + rng.normal());  // off-centre data
  const int k = 10;
  const Knn knn = nearest_neighbors(X.data(), n, d, k);
  for (int64_t i = 0; i < n; i += 7) {
    std::vector<std::pair<double, int32_t>> all;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      double s = 0;
      for (int64_t c = 0; c < d; ++c)
        s += (double(X[i * d + c]) - X[j * d + c]) * (double(X[i * d + c]) - X[j * d + c]);
      all.emplace_back(s, static_cast<int32_t>(j));
    }
    std::sort(all.begin(), all.end());
    for (int t = 0; t < k; ++t) {
      EXPECT_EQ(knn.index[i * k + t], all[t].second) << "row " << i << " rank " << t;
      EXPECT_NEAR(knn.dist2[i * k + t], all[t].first, 1e-12 * (1 + all[t].first));
    }
  }
}

TEST(Tsne, SparsePIsTheSymmetrisedConditionals) {
  Rng rng(5);
  const int64_t n = 300;
  std::vector<float> X(n * 4);
  for (float& v : X) v = static_cast<float>(rng.normal());
  const double perp = 10;
  const SparseP P = sparse_affinities(X.data(), n, 4, perp);
  const int k = 31;
  const Knn knn = nearest_neighbors(X.data(), n, 4, k);
  std::vector<double> cond(n * k);
  calibrate_perplexity(knn.dist2.data(), n, k, perp, cond.data());
  std::vector<double> want(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int t = 0; t < k; ++t) {
      const int64_t j = knn.index[i * k + t];
      want[i * n + j] += cond[i * k + t] / (2.0 * n);
      want[j * n + i] += cond[i * k + t] / (2.0 * n);
    }
  const std::vector<double> got = to_dense(P);
  double total = 0;
  for (int64_t t = 0; t < n * n; ++t) {
    EXPECT_NEAR(got[t], want[t], 1e-15);
    total += got[t];
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(got[i * n + i], 0.0);
    for (int64_t e = P.row_ptr[i] + 1; e < P.row_ptr[i + 1]; ++e) EXPECT_LT(P.col[e - 1], P.col[e]);
  }
  // The dense (exact-method) P is symmetric, sums to 1, and has the same perplexity structure.
  const std::vector<double> D = dense_affinities(X.data(), n, 4, perp);
  double dtotal = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      EXPECT_EQ(D[i * n + j], D[j * n + i]);
      dtotal += D[i * n + j];
    }
  EXPECT_NEAR(dtotal, 1.0, 1e-12);
}

TEST(Tsne, PcaInitialisationHasStd1e4AlongTheFirstComponent) {
  Rng rng(6);
  std::vector<int> lab;
  const std::vector<float> X = blobs(50, 3, 6, 5.0, rng, &lab);
  const int64_t n = 150;
  TsneOptions o;
  o.learning_rate = 1e-300;  // the embedding does not move from its initialisation
  o.max_iter = 1;
  const TsneResult r = tsne(X.data(), n, 6, o);
  const Pca pca = Pca::fit(X.data(), n, 6, 2);
  const std::vector<float> z = pca.transform(X.data(), n);
  double m0 = 0;
  for (int64_t i = 0; i < n; ++i) m0 += r.embedding[i * 2];
  m0 /= n;
  double v0 = 0;
  for (int64_t i = 0; i < n; ++i) v0 += (r.embedding[i * 2] - m0) * (r.embedding[i * 2] - m0);
  EXPECT_NEAR(std::sqrt(v0 / n), 1e-4, 1e-9);
  const double scale = r.embedding[0] / z[0];
  for (int64_t t = 0; t < n * 2; ++t) EXPECT_NEAR(r.embedding[t], scale * z[t], 1e-9);
}

TEST(Tsne, SeparatesBlobsAndLowersTheKl) {
  Rng rng(7);
  std::vector<int> lab;
  const std::vector<float> X = blobs(100, 3, 10, 8.0, rng, &lab);
  const int64_t n = 300;
  const SparseP P = sparse_affinities(X.data(), n, 10, 30);
  double kl_bh = 0;
  for (double theta : {0.5, 0.0}) {
    TsneOptions o;
    o.theta = theta;
    const TsneResult r = tsne(X.data(), n, 10, o);
    ASSERT_EQ(r.embedding.size(), static_cast<size_t>(n * 2));
    EXPECT_EQ(r.iterations, 1000);
    for (float v : r.embedding) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GT(one_nn_accuracy(r.embedding, 2, lab), 0.98) << "theta " << theta;
    // The KL falls over the run: from 50 iterations (during exaggeration) to 300 (the first
    // check after it), then at every check, to the end.
    ASSERT_EQ(r.trace.size(), 20u);
    EXPECT_EQ(r.trace[0].iteration, 50);
    EXPECT_EQ(r.trace[5].iteration, 300);
    EXPECT_GT(r.trace[0].kl, r.trace[5].kl + 0.3);
    for (size_t c = 6; c < r.trace.size(); ++c) EXPECT_LE(r.trace[c].kl, r.trace[c - 1].kl + 1e-4);
    EXPECT_GT(r.trace[5].kl, r.kl + 0.05);
    EXPECT_GT(r.kl, 0.3);
    EXPECT_LT(r.kl, 0.8);
    // The final KL is that of the returned embedding (Z exact for n <= 5000).
    std::vector<double> Y(r.embedding.begin(), r.embedding.end());
    if (theta > 0) {
      EXPECT_NEAR(sparse_kl(P, Y.data(), 2, exact_normalizer(Y.data(), n, 2)), r.kl, 1e-5);
      kl_bh = r.kl;
    } else {  // exact: KL over all pairs of the dense P, close to the Barnes-Hut run's
      EXPECT_NEAR(r.kl, kl_bh, 0.02 * kl_bh);
    }
  }
}

TEST(Tsne, ThreeDimensionalEmbedding) {
  Rng rng(8);
  std::vector<int> lab;
  const std::vector<float> X = blobs(60, 3, 10, 8.0, rng, &lab);
  TsneOptions o;
  o.dims = 3;
  o.max_iter = 500;
  const TsneResult r = tsne(X.data(), 180, 10, o);
  ASSERT_EQ(r.embedding.size(), 180u * 3);
  EXPECT_GT(one_nn_accuracy(r.embedding, 3, lab), 0.98);
  EXPECT_GT(r.trace.front().kl, r.kl);
}

TEST(Tsne, DeterministicForASeedAtAnyThreadCount) {
  Rng rng(9);
  std::vector<int> lab;
  const std::vector<float> X = blobs(150, 3, 10, 6.0, rng, &lab);
  const int64_t n = 450;
  TsneOptions o;
  o.init = "random";
  o.seed = 3;
  o.max_iter = 300;
  TsneResult a, b, c, d;
  {
    ThreadScope ts(2);
    a = tsne(X.data(), n, 10, o);
    b = tsne(X.data(), n, 10, o);
  }
  {
    ThreadScope ts(1);
    c = tsne(X.data(), n, 10, o);
  }
  o.seed = 4;
  d = tsne(X.data(), n, 10, o);
  EXPECT_EQ(a.embedding, b.embedding);
  EXPECT_EQ(a.kl, b.kl);
  EXPECT_EQ(a.embedding, c.embedding);
  EXPECT_EQ(a.kl, c.kl);
  EXPECT_NE(a.embedding, d.embedding);
  // The PCA initialisation (no randomness) and the exact method too.
  o.init = "pca";
  for (double theta : {0.5, 0.0}) {
    o.theta = theta;
    o.max_iter = theta > 0 ? 300 : 60;
    TsneResult p1, p2;
    {
      ThreadScope ts(2);
      p1 = tsne(X.data(), n, 10, o);
    }
    {
      ThreadScope ts(1);
      p2 = tsne(X.data(), n, 10, o);
    }
    EXPECT_EQ(p1.embedding, p2.embedding) << "theta " << theta;
    EXPECT_EQ(p1.kl, p2.kl) << "theta " << theta;
  }
}

void expect_error(const std::vector<float>& X, int64_t n, int64_t d, const TsneOptions& o,
                  const std::string& part) {
  try {
    tsne(X.data(), n, d, o);
    ADD_FAILURE() << "no error, expected one mentioning: " << part;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Tsne, Errors) {
  std::vector<float> X(40 * 3);
  Rng rng(10);
  for (float& v : X) v = static_cast<float>(rng.normal());
  TsneOptions o;
  o.perplexity = 5;
  expect_error(X, 1, 3, o, "at least 2 points");
  TsneOptions p = o;
  p.perplexity = 40;
  expect_error(X, 40, 3, p, "perplexity must be > 0 and < n = 40");
  p.perplexity = 0;
  expect_error(X, 40, 3, p, "perplexity");
  TsneOptions dd = o;
  dd.dims = 4;
  expect_error(X, 40, 3, dd, "dims must be 2 or 3, got 4");
  dd.dims = 1;
  expect_error(X, 40, 3, dd, "dims must be 2 or 3, got 1");
  TsneOptions in = o;
  in.init = "spectral";
  expect_error(X, 40, 3, in, "init must be");
  expect_error(X, 40, 1, o, "init \"pca\" needs");
  TsneOptions th = o;
  th.theta = -0.5;
  expect_error(X, 40, 3, th, "theta");
  TsneOptions lr = o;
  lr.learning_rate = 0;
  expect_error(X, 40, 3, lr, "learning_rate");
  std::vector<float> bad = X;
  bad[17 * 3 + 1] = std::nanf("");
  expect_error(bad, 40, 3, o, "row 17 ");
  bad = X;
  bad[39 * 3 + 2] = INFINITY;
  expect_error(bad, 40, 3, o, "row 39 ");
}

}  // namespace
}  // namespace hg::analysis
