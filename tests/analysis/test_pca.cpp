// PCA: known covariances, direct double-precision computations, round trips, randomized vs exact,
// rank-deficient and wide data, the sign convention, and the error cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "apps/analysis/linalg.h"
#include "apps/analysis/pca.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::analysis {
namespace {

using Mat = std::vector<double>;

Mat gaussian(int rows, int cols, Rng& rng) {
  Mat m(static_cast<size_t>(rows) * cols);
  for (double& v : m) v = rng.normal();
  return m;
}

// n samples of mean + Q diag(sigma) z with z ~ N(0, I): covariance Q diag(sigma^2) Q^T.
std::vector<float> sample(int64_t n, const Mat& q, const std::vector<double>& sigma,
                          const std::vector<double>& mean, Rng& rng) {
  const int d = static_cast<int>(sigma.size());
  std::vector<float> x(static_cast<size_t>(n * d));
  std::vector<double> z(d);
  for (int64_t i = 0; i < n; ++i) {
    for (int t = 0; t < d; ++t) z[t] = sigma[t] * rng.normal();
    for (int j = 0; j < d; ++j) {
      double s = mean[j];
      for (int t = 0; t < d; ++t) s += q[j * d + t] * z[t];
      x[i * d + j] = static_cast<float>(s);
    }
  }
  return x;
}

// Low rank plus noise: X = mean + sum_r s_r u_r v_r^T + noise * N(0, 1), u_r ~ N(0, 1) per row.
std::vector<float> low_rank_plus_noise(int64_t n, int d, const std::vector<double>& s, double noise,
                                       Rng& rng) {
  const int rank = static_cast<int>(s.size());
  const Mat v = orthonormalize_columns(gaussian(d, rank, rng), d, rank);  // d x rank
  std::vector<float> x(static_cast<size_t>(n * d));
  std::vector<double> u(rank);
  for (int64_t i = 0; i < n; ++i) {
    for (int r = 0; r < rank; ++r) u[r] = s[r] * rng.normal();
    for (int j = 0; j < d; ++j) {
      double acc = 0.5 + 0.01 * j + noise * rng.normal();
      for (int r = 0; r < rank; ++r) acc += u[r] * v[j * rank + r];
      x[i * d + j] = static_cast<float>(acc);
    }
  }
  return x;
}

// components [k, d] (rows) -> d x k (columns), for principal_angles.
Mat columns(const Pca& p) {
  Mat c(static_cast<size_t>(p.d) * p.k);
  for (int j = 0; j < p.k; ++j)
    for (int64_t i = 0; i < p.d; ++i) c[i * p.k + j] = p.components[j * p.d + i];
  return c;
}

double max_angle(const Pca& a, const Pca& b) {
  const std::vector<double> ang =
      principal_angles(columns(a), columns(b), static_cast<int>(a.d), a.k, b.k);
  return *std::max_element(ang.begin(), ang.end());
}

void expect_orthonormal(const Pca& p, double tol) {
  for (int a = 0; a < p.k; ++a)
    for (int b = 0; b < p.k; ++b) {
      double s = 0;
      for (int64_t i = 0; i < p.d; ++i) s += p.components[a * p.d + i] * p.components[b * p.d + i];
      EXPECT_NEAR(s, a == b ? 1.0 : 0.0, tol) << "components " << a << ", " << b;
    }
}

void expect_sign_convention(const Pca& p) {
  for (int j = 0; j < p.k; ++j) {
    const double* c = p.components.data() + j * p.d;
    int64_t arg = 0;
    for (int64_t i = 1; i < p.d; ++i)
      if (std::fabs(c[i]) > std::fabs(c[arg])) arg = i;
    EXPECT_GT(c[arg], 0.0) << "component " << j;
  }
}

// Direct double-precision statistics of float data.
struct Direct {
  std::vector<double> mean;
  Mat cov;  // d x d, divided by n - 1
};
Direct direct(const std::vector<float>& x, int64_t n, int d) {
  Direct r;
  r.mean.assign(d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) r.mean[j] += x[i * d + j];
  for (double& m : r.mean) m /= static_cast<double>(n);
  r.cov.assign(static_cast<size_t>(d) * d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b)
        r.cov[a * d + b] += (x[i * d + a] - r.mean[a]) * (x[i * d + b] - r.mean[b]);
  for (double& c : r.cov) c /= static_cast<double>(n - 1);
  return r;
}

PcaOptions with_solver(PcaSolver s, uint64_t seed = 0) {
  PcaOptions o;
  o.solver = s;
  o.seed = seed;
  return o;
}

TEST(Pca, RecoversAKnownCovariance) {
  Rng rng(21);
  const int d = 6;
  const int64_t n = 20000;
  const std::vector<double> sigma = {5, 3, 2, 1, 0.5, 0.25};
  const std::vector<double> mean = {10, -20, 30, 0, 5, -5};
  const Mat q = orthonormalize_columns(gaussian(d, d, rng), d, d);
  const std::vector<float> x = sample(n, q, sigma, mean, rng);
  double total = 0;
  for (double s : sigma) total += s * s;
  for (PcaSolver solver : {PcaSolver::Exact, PcaSolver::Randomized}) {
    const Pca p = Pca::fit(x, n, d, 3, with_solver(solver));
    SCOPED_TRACE(pca_solver_name(solver));
    EXPECT_EQ(p.solver, solver);
    ASSERT_EQ(p.components.size(), 3u * d);
    // Sampling errors: mean ~ 5/sqrt(n) = 0.035, variances ~ sqrt(2/n) = 1% relative,
    // directions ~ sigma_i sigma_j / (sigma_i^2 - sigma_j^2) / sqrt(n) < 0.01 rad.
    for (int j = 0; j < d; ++j) EXPECT_NEAR(p.mean[j], mean[j], 0.2);
    for (int j = 0; j < 3; ++j) {
      EXPECT_NEAR(p.explained_variance[j], sigma[j] * sigma[j], 0.05 * sigma[j] * sigma[j]);
      double c = 0;
      for (int i = 0; i < d; ++i) c += p.components[j * d + i] * q[i * d + j];
      EXPECT_GT(std::fabs(c), std::cos(0.04)) << "component " << j;
    }
    EXPECT_NEAR(p.total_variance, total, 0.05 * total);
    for (int j = 0; j < 3; ++j)
      EXPECT_DOUBLE_EQ(p.explained_variance_ratio[j], p.explained_variance[j] / p.total_variance);
    expect_orthonormal(p, 1e-12);
    expect_sign_convention(p);
  }
}

TEST(Pca, ExplainedVarianceMatchesADirectComputation) {
  Rng rng(22);
  const int d = 12;
  const int64_t n = 300;
  std::vector<double> sigma(d);
  for (int j = 0; j < d; ++j) sigma[j] = 4.0 / (1 + j);
  const Mat q = orthonormalize_columns(gaussian(d, d, rng), d, d);
  std::vector<double> mean(d, 3.0);
  const std::vector<float> x = sample(n, q, sigma, mean, rng);
  const Direct ref = direct(x, n, d);

  const Pca p = Pca::fit(x, n, d, d, with_solver(PcaSolver::Exact));
  for (int j = 0; j < d; ++j)
    EXPECT_NEAR(p.mean[j], ref.mean[j], 1e-12 * (1 + std::fabs(ref.mean[j])));
  double trace = 0;
  for (int j = 0; j < d; ++j) trace += ref.cov[j * d + j];
  EXPECT_NEAR(p.total_variance, trace, 1e-12 * trace);
  const double lmax = p.explained_variance[0];
  double sum = 0, ratio_sum = 0;
  for (int j = 0; j < d; ++j) {
    // (lambda_j, c_j) is an eigenpair of the directly computed covariance, lambda_j = c_j^T C c_j.
    const double* c = p.components.data() + j * d;
    double rayleigh = 0, resid = 0;
    for (int a = 0; a < d; ++a) {
      double cc = 0;
      for (int b = 0; b < d; ++b) cc += ref.cov[a * d + b] * c[b];
      rayleigh += c[a] * cc;
      resid = std::max(resid, std::fabs(cc - p.explained_variance[j] * c[a]));
    }
    EXPECT_NEAR(p.explained_variance[j], rayleigh, 1e-5 * lmax) << "component " << j;
    EXPECT_LT(resid, 1e-5 * lmax) << "component " << j;
    if (j > 0) {
      EXPECT_GE(p.explained_variance[j - 1], p.explained_variance[j]);
    }
    sum += p.explained_variance[j];
    ratio_sum += p.explained_variance_ratio[j];
  }
  EXPECT_NEAR(sum, trace, 1e-5 * trace);
  EXPECT_NEAR(ratio_sum, 1.0, 1e-5);

  // The top eigenvalue by power iteration on the direct covariance (independent of sym_eigen).
  std::vector<double> v(d, 1.0), w(d);
  double lambda = 0;
  for (int it = 0; it < 3000; ++it) {
    double norm = 0;
    for (int a = 0; a < d; ++a) {
      w[a] = 0;
      for (int b = 0; b < d; ++b) w[a] += ref.cov[a * d + b] * v[b];
      norm += w[a] * w[a];
    }
    norm = std::sqrt(norm);
    lambda = 0;
    for (int a = 0; a < d; ++a) {
      lambda += v[a] * w[a];
      v[a] = w[a] / norm;
    }
  }
  EXPECT_NEAR(p.explained_variance[0], lambda, 1e-5 * lambda);

  // Fewer components: the leading part of the same spectrum.
  const Pca p3 = Pca::fit(x, n, d, 3, with_solver(PcaSolver::Exact));
  for (int j = 0; j < 3; ++j) EXPECT_DOUBLE_EQ(p3.explained_variance[j], p.explained_variance[j]);
}

TEST(Pca, TransformRoundTripWithAllComponents) {
  Rng rng(23);
  const int d = 16;
  const int64_t n = 200;
  std::vector<double> sigma(d), mean(d);
  for (int j = 0; j < d; ++j) {
    sigma[j] = 1.0 + j;
    mean[j] = -2.0 * j;
  }
  const std::vector<float> x =
      sample(n, orthonormalize_columns(gaussian(d, d, rng), d, d), sigma, mean, rng);
  const Pca p = Pca::fit(x, n, d, d, with_solver(PcaSolver::Exact));
  const std::vector<float> z = p.transform(x.data(), n);
  ASSERT_EQ(z.size(), static_cast<size_t>(n * d));
  const std::vector<float> back = p.inverse_transform(z.data(), n);
  ASSERT_EQ(back.size(), x.size());
  float scale = 0;
  for (float v : x) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(back[i], x[i], 2e-5 * scale) << "element " << i;
}

TEST(Pca, TransformAndInverseMatchDirectFormulas) {
  Rng rng(24);
  const int d = 10, k = 4;
  const int64_t n = 500;
  std::vector<double> sigma(d), mean(d, 1.5);
  for (int j = 0; j < d; ++j) sigma[j] = std::pow(0.7, j) * 3;
  const Mat q = orthonormalize_columns(gaussian(d, d, rng), d, d);
  const std::vector<float> x = sample(n, q, sigma, mean, rng);
  const Pca p = Pca::fit(x, n, d, k, with_solver(PcaSolver::Exact));
  const Pca full = Pca::fit(x, n, d, d, with_solver(PcaSolver::Exact));

  // Rows the model was not fitted on.
  const int64_t m = 50;
  const std::vector<float> fresh = sample(m, q, sigma, mean, rng);
  const std::vector<float> z = p.transform(fresh.data(), m);
  ASSERT_EQ(z.size(), static_cast<size_t>(m * k));
  for (int64_t i = 0; i < m; ++i)
    for (int j = 0; j < k; ++j) {
      double s = 0;
      for (int t = 0; t < d; ++t) s += (fresh[i * d + t] - p.mean[t]) * p.components[j * d + t];
      EXPECT_NEAR(z[i * k + j], s, 1e-5 * (1 + std::fabs(s)));
    }
  const std::vector<float> xr = p.inverse_transform(z.data(), m);
  ASSERT_EQ(xr.size(), static_cast<size_t>(m * d));
  for (int64_t i = 0; i < m; ++i)
    for (int t = 0; t < d; ++t) {
      double s = p.mean[t];
      for (int j = 0; j < k; ++j) s += z[i * k + j] * p.components[j * d + t];
      EXPECT_NEAR(xr[i * d + t], s, 1e-5 * (1 + std::fabs(s)));
    }

  // On the fitted data, the mean squared reconstruction error is the discarded variance.
  const std::vector<float> rec = p.inverse_transform(p.transform(x.data(), n).data(), n);
  double err = 0;
  for (size_t i = 0; i < x.size(); ++i) err += (double(x[i]) - rec[i]) * (double(x[i]) - rec[i]);
  err /= static_cast<double>(n - 1);
  double discarded = 0;
  for (int j = k; j < d; ++j) discarded += full.explained_variance[j];
  EXPECT_NEAR(err, discarded, 1e-3 * discarded);
  EXPECT_NEAR(err,
              p.total_variance - (p.explained_variance[0] + p.explained_variance[1] +
                                  p.explained_variance[2] + p.explained_variance[3]),
              1e-3 * discarded);
}

TEST(Pca, RandomizedAgreesWithExactOnLowRankPlusNoise) {
  Rng rng(25);
  const int d = 400, k = 5;
  const int64_t n = 1500;
  const std::vector<float> x = low_rank_plus_noise(n, d, {20, 16, 12, 9, 7, 5, 4, 3}, 0.05, rng);
  const Pca exact = Pca::fit(x, n, d, k);  // auto: d <= 1000
  EXPECT_EQ(exact.solver, PcaSolver::Exact);
  const Pca rnd = Pca::fit(x, n, d, k, with_solver(PcaSolver::Randomized, 7));
  EXPECT_EQ(rnd.solver, PcaSolver::Randomized);
  EXPECT_LT(max_angle(exact, rnd), 1e-3);
  // Same sign convention, so the components agree one by one, not just as subspaces.
  for (size_t i = 0; i < exact.components.size(); ++i)
    EXPECT_NEAR(rnd.components[i], exact.components[i], 1e-3) << "entry " << i;
  for (int j = 0; j < k; ++j) {
    EXPECT_NEAR(rnd.explained_variance[j], exact.explained_variance[j],
                1e-4 * exact.explained_variance[j]);
    EXPECT_NEAR(rnd.explained_variance_ratio[j], exact.explained_variance_ratio[j], 1e-4);
  }
  EXPECT_DOUBLE_EQ(rnd.total_variance, exact.total_variance);
  expect_orthonormal(rnd, 1e-12);
  expect_sign_convention(rnd);
  expect_sign_convention(exact);
}

TEST(Pca, RandomizedIsSeededAndDeterministic) {
  Rng rng(26);
  const int d = 200, k = 3;
  const int64_t n = 400;
  const std::vector<float> x = low_rank_plus_noise(n, d, {10, 6, 3, 1}, 0.02, rng);
  const Pca a = Pca::fit(x, n, d, k, with_solver(PcaSolver::Randomized, 1));
  const Pca b = Pca::fit(x, n, d, k, with_solver(PcaSolver::Randomized, 1));
  const Pca c = Pca::fit(x, n, d, k, with_solver(PcaSolver::Randomized, 2));
  EXPECT_EQ(a.components, b.components);
  EXPECT_EQ(a.explained_variance, b.explained_variance);
  EXPECT_NE(a.components, c.components);  // another sketch: equal only up to rounding
  EXPECT_LT(max_angle(a, c), 1e-3);
  // Without power iterations the sketch still finds a subspace this clear (less accurately).
  PcaOptions raw = with_solver(PcaSolver::Randomized, 3);
  raw.power_iterations = 0;
  const Pca r = Pca::fit(x, n, d, k, raw);
  expect_orthonormal(r, 1e-12);
  EXPECT_LT(max_angle(a, r), 1e-2);
}

TEST(Pca, AutoUsesRandomizedForWideData) {
  Rng rng(27);
  const int d = 1100, k = 3;
  const int64_t n = 80;
  const std::vector<float> x = low_rank_plus_noise(n, d, {8, 5, 3}, 0.01, rng);
  const Pca a = Pca::fit(x, n, d, k);
  EXPECT_EQ(a.solver, PcaSolver::Randomized);
  const Pca e = Pca::fit(x, n, d, k, with_solver(PcaSolver::Exact));
  EXPECT_EQ(e.solver, PcaSolver::Exact);
  EXPECT_LT(max_angle(a, e), 1e-3);
  for (int j = 0; j < k; ++j)
    EXPECT_NEAR(a.explained_variance[j], e.explained_variance[j], 1e-4 * e.explained_variance[j]);
}

TEST(Pca, RankDeficientData) {
  Rng rng(28);
  // 5 samples in 1100 dimensions: the centred data has rank 4, yet k = 5 is allowed.
  {
    const int d = 1100, k = 5;
    const int64_t n = 5;
    std::vector<float> x(static_cast<size_t>(n * d));
    for (float& v : x) v = static_cast<float>(rng.normal());
    for (PcaSolver s : {PcaSolver::Randomized, PcaSolver::Exact}) {
      SCOPED_TRACE(pca_solver_name(s));
      const Pca p = Pca::fit(x, n, d, k, with_solver(s, 4));
      expect_orthonormal(p, 1e-10);
      EXPECT_LT(p.explained_variance[4], 1e-5 * p.explained_variance[0]);
      EXPECT_GT(p.explained_variance[3], 0.01 * p.explained_variance[0]);
      double sum = 0;
      for (double v : p.explained_variance) sum += v;
      EXPECT_NEAR(sum, p.total_variance, 1e-5 * p.total_variance);
    }
  }
  // Duplicated features (rank 3 of 6), exact solver.
  {
    const int d = 6;
    const int64_t n = 50;
    std::vector<float> x(static_cast<size_t>(n * d));
    for (int64_t i = 0; i < n; ++i)
      for (int j = 0; j < 3; ++j)
        x[i * d + j] = x[i * d + j + 3] = static_cast<float>(rng.normal());
    const Pca p = Pca::fit(x, n, d, d, with_solver(PcaSolver::Exact));
    expect_orthonormal(p, 1e-12);
    for (int j = 3; j < d; ++j) EXPECT_LT(p.explained_variance[j], 1e-6 * p.explained_variance[0]);
  }
}

TEST(Pca, ConstantDataAndSingleFeature) {
  const std::vector<float> flat(4 * 3, 2.5f);
  const Pca p = Pca::fit(flat, 4, 3, 2);
  EXPECT_EQ(p.total_variance, 0.0);
  for (int j = 0; j < 2; ++j) {
    EXPECT_EQ(p.explained_variance[j], 0.0);
    EXPECT_EQ(p.explained_variance_ratio[j], 0.0);
  }
  expect_orthonormal(p, 1e-15);
  for (double m : p.mean) EXPECT_EQ(m, 2.5);

  const std::vector<float> one = {1, 2, 3, 4, 10};
  const Pca s = Pca::fit(one, 5, 1, 1);
  EXPECT_EQ(s.components, std::vector<double>{1.0});
  EXPECT_NEAR(s.mean[0], 4.0, 1e-15);
  EXPECT_NEAR(s.explained_variance[0], (9 + 4 + 1 + 0 + 36) / 4.0, 1e-12);
  EXPECT_NEAR(s.explained_variance_ratio[0], 1.0, 1e-15);
  const std::vector<float> z = s.transform(one.data(), 5);
  EXPECT_EQ(z, (std::vector<float>{-3, -2, -1, 0, 6}));
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Pca, Errors) {
  std::vector<float> x(10 * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7) % 11);
  EXPECT_NE(error_of([&] { Pca::fit(x, 10, 4, 0); }).find("between 1 and min(n, d) = 4"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Pca::fit(x, 10, 4, 5); }).find("got 5"), std::string::npos);
  EXPECT_NE(error_of([&] { Pca::fit(x.data(), 1, 4, 1); }).find("at least 2 samples"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Pca::fit(x, 9, 4, 2); }).find("expected n x d"), std::string::npos);
  std::vector<float> bad = x;
  bad[3 * 4 + 2] = NAN;
  bad[7 * 4 + 0] = INFINITY;
  const std::string nan_msg = error_of([&] { Pca::fit(bad, 10, 4, 2); });
  EXPECT_NE(nan_msg.find("row 3 "), std::string::npos) << nan_msg;
  EXPECT_EQ(nan_msg.find('\n'), std::string::npos);
  bad[3 * 4 + 2] = 0;
  EXPECT_NE(error_of([&] { Pca::fit(bad, 10, 4, 2); }).find("row 7 "), std::string::npos);
  PcaOptions neg;
  neg.power_iterations = -1;
  EXPECT_THROW(Pca::fit(x, 10, 4, 2, neg), Error);
  EXPECT_THROW(parse_pca_solver("svd"), Error);
  EXPECT_EQ(parse_pca_solver("randomized"), PcaSolver::Randomized);
  EXPECT_EQ(std::string(pca_solver_name(parse_pca_solver("exact"))), "exact");
  const Pca unfitted;
  EXPECT_THROW(unfitted.transform(x.data(), 10), Error);
  EXPECT_THROW(unfitted.inverse_transform(x.data(), 10), Error);
}

}  // namespace
}  // namespace hg::analysis
