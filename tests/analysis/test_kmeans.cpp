// k-means: separated blobs recovered exactly, inertia and labels against direct double
// computations, the Lloyd fixed point, thread-count invariance, n_init keeping the best run,
// tolerance relative to the data's variance, empty-cluster re-seeding, error cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "apps/analysis/cluster_metrics.h"
#include "apps/analysis/kmeans.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cpu/parallel.h"

namespace hg::analysis {
namespace {

namespace kcpu = hg::kernels::cpu;

struct Blobs {
  std::vector<float> X;
  std::vector<int32_t> y;
  int64_t n, d;
};

// `per` points around each of `k` centers drawn uniformly in [-spread, spread]^d, unit-variance
// Gaussian noise, rows shuffled.
Blobs blobs(int k, int64_t per, int64_t d, double spread, uint64_t seed, double offset = 0.0) {
  Rng rng(seed);
  std::vector<double> c(static_cast<size_t>(k * d));
  for (double& v : c) v = rng.uniform(-spread, spread);
  Blobs b{{}, {}, k * per, d};
  std::vector<int64_t> perm(static_cast<size_t>(b.n));
  for (int64_t i = 0; i < b.n; ++i) perm[i] = i;
  rng.shuffle(perm);
  b.X.resize(static_cast<size_t>(b.n * d));
  b.y.resize(static_cast<size_t>(b.n));
  for (int64_t p = 0; p < b.n; ++p) {
    const int64_t i = perm[p];
    const int cl = static_cast<int>(p % k);
    b.y[i] = cl;
    for (int64_t t = 0; t < d; ++t)
      b.X[i * d + t] = static_cast<float>(offset + c[cl * d + t] + rng.normal());
  }
  return b;
}

std::vector<float> uniform_data(int64_t n, int64_t d, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n * d));
  for (float& v : x) v = static_cast<float>(rng.uniform(-1.0, 1.0));
  return x;
}

double sq_dist(const float* a, const float* b, int64_t d) {
  double s = 0.0;
  for (int64_t t = 0; t < d; ++t) {
    const double diff = static_cast<double>(a[t]) - b[t];
    s += diff * diff;
  }
  return s;
}

double direct_inertia(const std::vector<float>& X, int64_t n, int64_t d, const KMeansResult& r) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += sq_dist(&X[i * d], &r.centers[r.labels[i] * d], d);
  return s;
}

TEST(KMeans, RecoversSeparatedBlobsExactly) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const Blobs b = blobs(6, 150, 8, 30.0, seed);
    KMeansOptions opt;
    opt.k = 6;
    opt.seed = seed;
    const KMeansResult r = kmeans(b.X.data(), b.n, b.d, opt);
    ASSERT_EQ(r.labels.size(), static_cast<size_t>(b.n));
    ASSERT_EQ(r.centers.size(), static_cast<size_t>(6 * b.d));
    EXPECT_EQ(clustering_accuracy(b.y, r.labels), 1.0) << "seed " << seed;
    EXPECT_EQ(ari(b.y, r.labels), 1.0);
    // Every center is the mean of its blob (the true center plus noise of std 1/sqrt(150)).
    for (int j = 0; j < 6; ++j) {
      int64_t cnt = 0;
      std::vector<double> m(static_cast<size_t>(b.d), 0.0);
      for (int64_t i = 0; i < b.n; ++i)
        if (r.labels[i] == j) {
          ++cnt;
          for (int64_t t = 0; t < b.d; ++t) m[t] += b.X[i * b.d + t];
        }
      ASSERT_EQ(cnt, 150);
      for (int64_t t = 0; t < b.d; ++t) EXPECT_NEAR(r.centers[j * b.d + t], m[t] / cnt, 1e-4);
    }
  }
}

TEST(KMeans, FarFromOriginStillExact) {
  // A large common offset: the |x|^2 - 2 x.c + |c|^2 expansion would cancel badly in float
  // without centring the data first.
  const Blobs b = blobs(5, 100, 4, 30.0, 11, 3.0e4);
  KMeansOptions opt;
  opt.k = 5;
  const KMeansResult r = kmeans(b.X.data(), b.n, b.d, opt);
  EXPECT_EQ(clustering_accuracy(b.y, r.labels), 1.0);
  EXPECT_NEAR(r.inertia, direct_inertia(b.X, b.n, b.d, r), 1e-9 * r.inertia);
}

TEST(KMeans, InertiaAndLabelsMatchDirectComputation) {
  const int64_t n = 3000, d = 7;
  const std::vector<float> X = uniform_data(n, d, 5);
  KMeansOptions opt;
  opt.k = 9;
  opt.n_init = 3;
  opt.seed = 42;
  const KMeansResult r = kmeans(X.data(), n, d, opt);
  const double direct = direct_inertia(X, n, d, r);
  EXPECT_NEAR(r.inertia, direct, 1e-12 * direct);
  EXPECT_GT(r.inertia, 0.0);
  // Every label is the nearest center, up to float rounding of the distances.
  int64_t not_nearest = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double own = sq_dist(&X[i * d], &r.centers[r.labels[i] * d], d);
    for (int j = 0; j < opt.k; ++j)
      if (sq_dist(&X[i * d], &r.centers[j * d], d) < own - 1e-5) ++not_nearest;
  }
  EXPECT_EQ(not_nearest, 0);
  EXPECT_GE(r.iterations, 1);
  EXPECT_LE(r.iterations, opt.max_iter);
  EXPECT_GE(r.best_init, 0);
  EXPECT_LT(r.best_init, opt.n_init);
}

TEST(KMeans, ZeroToleranceReachesALloydFixedPoint) {
  const int64_t n = 2000, d = 5;
  const std::vector<float> X = uniform_data(n, d, 8);
  KMeansOptions opt;
  opt.k = 7;
  opt.n_init = 1;
  opt.tol = 0.0;
  const KMeansResult r = kmeans(X.data(), n, d, opt);
  ASSERT_LT(r.iterations, opt.max_iter);  // converged: no label changed
  for (int j = 0; j < opt.k; ++j) {
    int64_t cnt = 0;
    std::vector<double> m(static_cast<size_t>(d), 0.0);
    for (int64_t i = 0; i < n; ++i)
      if (r.labels[i] == j) {
        ++cnt;
        for (int64_t t = 0; t < d; ++t) m[t] += X[i * d + t];
      }
    ASSERT_GT(cnt, 0);
    for (int64_t t = 0; t < d; ++t) EXPECT_NEAR(r.centers[j * d + t], m[t] / cnt, 1e-5);
  }
}

TEST(KMeans, SameResultForOneAndTwoThreads) {
  const int64_t n = 20000, d = 12;
  const std::vector<float> X = uniform_data(n, d, 21);
  for (int n_init : {1, 4}) {  // 1: parallel kernels inside a run; 4: runs in parallel
    KMeansOptions opt;
    opt.k = 10;
    opt.n_init = n_init;
    opt.seed = 7;
    kcpu::set_num_threads(1);
    const KMeansResult a = kmeans(X.data(), n, d, opt);
    kcpu::set_num_threads(2);
    const KMeansResult b = kmeans(X.data(), n, d, opt);
    kcpu::set_num_threads(0);
    EXPECT_EQ(a.labels, b.labels) << "n_init " << n_init;
    EXPECT_EQ(a.centers, b.centers);
    EXPECT_EQ(a.inertia, b.inertia);
    EXPECT_EQ(a.iterations, b.iterations);
    EXPECT_EQ(a.best_init, b.best_init);
    // and the same again (no hidden state)
    const KMeansResult c = kmeans(X.data(), n, d, opt);
    EXPECT_EQ(a.labels, c.labels);
    EXPECT_EQ(a.inertia, c.inertia);
  }
}

TEST(KMeans, NInitKeepsTheBestRun) {
  // Overlapping structure with many local minima: runs differ.
  const Blobs b = blobs(12, 40, 3, 4.0, 99);
  KMeansOptions opt;
  opt.k = 12;
  opt.seed = 5;
  opt.n_init = 1;
  KMeansResult prev = kmeans(b.X.data(), b.n, b.d, opt);
  EXPECT_EQ(prev.best_init, 0);
  int improvements = 0;
  for (int m = 2; m <= 10; ++m) {
    opt.n_init = m;
    const KMeansResult r = kmeans(b.X.data(), b.n, b.d, opt);
    // Runs 0..m-2 are those of the previous call (same seeds), so the kept one is either the
    // previous best or the new run m-1 with a strictly lower inertia.
    if (r.best_init == m - 1) {
      EXPECT_LT(r.inertia, prev.inertia) << "n_init " << m;
      ++improvements;
    } else {
      EXPECT_EQ(r.best_init, prev.best_init) << "n_init " << m;
      EXPECT_EQ(r.inertia, prev.inertia);
      EXPECT_EQ(r.labels, prev.labels);
      EXPECT_EQ(r.centers, prev.centers);
    }
    EXPECT_LE(r.inertia, prev.inertia);
    prev = r;
  }
  EXPECT_GE(improvements, 1) << "data too easy: every run found the same minimum";
  EXPECT_GT(prev.best_init, 0);
}

TEST(KMeans, ToleranceIsRelativeToTheDataVariance) {
  // Scaling the data by a power of two scales every distance exactly, so with a relative
  // tolerance the runs stop at the same iteration with the same labels.
  const int64_t n = 4000, d = 6;
  std::vector<float> X = uniform_data(n, d, 3);
  KMeansOptions opt;
  opt.k = 8;
  opt.n_init = 2;
  opt.tol = 1e-2;
  const KMeansResult a = kmeans(X.data(), n, d, opt);
  KMeansOptions exact = opt;
  exact.tol = 0.0;
  const KMeansResult strict = kmeans(X.data(), n, d, exact);
  ASSERT_LT(a.iterations, strict.iterations) << "the tolerance never triggered";
  for (float& v : X) v *= 1024.0f;
  const KMeansResult b = kmeans(X.data(), n, d, opt);
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_NEAR(b.inertia, a.inertia * 1048576.0, 1e-9 * b.inertia);
}

TEST(KMeans, EmptyClustersAreReseeded) {
  // Only three distinct points for k = 5: k-means++ repeats centers, clusters empty out, and
  // re-seeding must still leave every cluster with at least one point.
  const int64_t n = 30, d = 2;
  std::vector<float> X(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i) {
    X[i * d] = static_cast<float>(i % 3);
    X[i * d + 1] = static_cast<float>((i % 3) * 2);
  }
  KMeansOptions opt;
  opt.k = 5;
  opt.n_init = 3;
  const KMeansResult r = kmeans(X.data(), n, d, opt);
  std::vector<int> count(5, 0);
  for (int32_t l : r.labels) {
    ASSERT_GE(l, 0);
    ASSERT_LT(l, 5);
    ++count[l];
  }
  for (int j = 0; j < 5; ++j) EXPECT_GT(count[j], 0) << "cluster " << j;
  EXPECT_NEAR(r.inertia, direct_inertia(X, n, d, r), 1e-12);

  // All points identical: k = n is legal, every point gets its own cluster, inertia 0.
  std::vector<float> same(static_cast<size_t>(4 * 3), 1.5f);
  opt.k = 4;
  const KMeansResult s = kmeans(same.data(), 4, 3, opt);
  std::vector<int32_t> sorted = s.labels;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(s.inertia, 0.0);
}

TEST(KMeans, KEqualsOneAndKEqualsN) {
  const int64_t n = 50, d = 3;
  const std::vector<float> X = uniform_data(n, d, 4);
  KMeansOptions opt;
  opt.k = 1;
  const KMeansResult one = kmeans(X.data(), n, d, opt);
  for (int32_t l : one.labels) EXPECT_EQ(l, 0);
  for (int64_t t = 0; t < d; ++t) {
    double m = 0.0;
    for (int64_t i = 0; i < n; ++i) m += X[i * d + t];
    EXPECT_NEAR(one.centers[t], m / n, 1e-6);
  }
  opt.k = static_cast<int>(n);
  const KMeansResult all = kmeans(X.data(), n, d, opt);
  EXPECT_NEAR(all.inertia, 0.0, 1e-10);
}

TEST(KMeans, Errors) {
  const int64_t n = 10, d = 2;
  std::vector<float> X = uniform_data(n, d, 1);
  KMeansOptions opt;
  opt.k = 0;
  EXPECT_THROW(kmeans(X.data(), n, d, opt), Error);
  opt.k = 11;
  try {
    kmeans(X.data(), n, d, opt);
    FAIL() << "k > n accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds"), std::string::npos) << e.what();
  }
  opt.k = 3;
  X[7 * d + 1] = std::nanf("");
  try {
    kmeans(X.data(), n, d, opt);
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 7"), std::string::npos) << e.what();
  }
  X[7 * d + 1] = 0.0f;
  X[2 * d] = INFINITY;
  try {
    kmeans(X.data(), n, d, opt);
    FAIL() << "infinity accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 2"), std::string::npos) << e.what();
  }
  X[2 * d] = 0.0f;
  opt.n_init = 0;
  EXPECT_THROW(kmeans(X.data(), n, d, opt), Error);
  opt.n_init = 1;
  opt.tol = -1.0;
  EXPECT_THROW(kmeans(X.data(), n, d, opt), Error);
  opt.tol = 1e-4;
  EXPECT_NO_THROW(kmeans(X.data(), n, d, opt));
}

}  // namespace
}  // namespace hg::analysis
