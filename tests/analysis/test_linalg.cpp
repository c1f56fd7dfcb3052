// sym_eigen against matrices with known spectra, Gram-Schmidt, principal angles.
//
// Timing (not asserted): sym_eigen on a random symmetric 784 x 784 matrix (the covariance size
// of 28x28 images), Release build, 2-core AMD EPYC (AVX-512, the AVX2 path) shared with other
// builds, 2026-12-01: 0.18 s with one thread (set_num_threads(1)), 0.11-0.16 s with two;
// 1000 x 1000: 0.36 s / 0.22 s. SymEigen.Size784 below prints the time on the machine it runs on.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "apps/analysis/linalg.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cpu/parallel.h"

namespace hg::analysis {
namespace {

using Mat = std::vector<double>;
constexpr double kPi = std::numbers::pi;

Mat gaussian(int rows, int cols, Rng& rng) {
  Mat m(static_cast<size_t>(rows) * cols);
  for (double& v : m) v = rng.normal();
  return m;
}

Mat random_orthogonal(int n, Rng& rng) { return orthonormalize_columns(gaussian(n, n, rng), n, n); }

// Q diag(lambda) Q^T.
Mat with_spectrum(const Mat& q, const std::vector<double>& lambda) {
  const int n = static_cast<int>(lambda.size());
  Mat a(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int t = 0; t < n; ++t) s += q[i * n + t] * lambda[t] * q[j * n + t];
      a[i * n + j] = s;
    }
  return a;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

// max_j |A v_j - lambda_j v_j| and max |V V^T - I| over the rows of e.vectors.
struct Quality {
  double residual = 0, orthogonality = 0;
};
Quality quality(const Mat& a, const SymEigen& e, int step = 1) {
  const int n = e.n;
  Quality q;
  for (int j = 0; j < n; j += step) {
    const double* v = e.vectors.data() + static_cast<size_t>(j) * n;
    for (int i = 0; i < n; ++i) {
      double s = 0;
      for (int t = 0; t < n; ++t) s += a[static_cast<size_t>(i) * n + t] * v[t];
      q.residual = std::max(q.residual, std::fabs(s - e.values[j] * v[i]));
    }
    for (int k = 0; k < n; ++k) {
      const double* w = e.vectors.data() + static_cast<size_t>(k) * n;
      double s = 0;
      for (int t = 0; t < n; ++t) s += v[t] * w[t];
      q.orthogonality = std::max(q.orthogonality, std::fabs(s - (j == k ? 1.0 : 0.0)));
    }
  }
  return q;
}

void expect_spectrum(const SymEigen& e, std::vector<double> want, double tol) {
  std::sort(want.begin(), want.end(), std::greater<>());
  ASSERT_EQ(e.values.size(), want.size());
  const double scale = std::max(1.0, max_abs(want));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(e.values[i], want[i], tol * scale) << "eigenvalue " << i;
  for (size_t i = 1; i < e.values.size(); ++i) EXPECT_GE(e.values[i - 1], e.values[i]);
}

TEST(SymEigen, KnownSpectrumRandomOrthogonal) {
  Rng rng(1);
  for (int n : {3, 10, 57, 200}) {
    std::vector<double> lambda(n);
    for (double& l : lambda) l = rng.uniform(-10.0, 10.0);
    const Mat a = with_spectrum(random_orthogonal(n, rng), lambda);
    const SymEigen e = sym_eigen(a, n);
    expect_spectrum(e, lambda, 1e-12);
    const Quality q = quality(a, e);
    EXPECT_LT(q.residual, 1e-12 * 10) << "n=" << n;
    EXPECT_LT(q.orthogonality, 1e-13 * n + 1e-14) << "n=" << n;
  }
}

TEST(SymEigen, RecoversTheEigenvectorsOfDistinctEigenvalues) {
  Rng rng(2);
  const int n = 30;
  std::vector<double> lambda(n);
  for (int i = 0; i < n; ++i) lambda[i] = n - i + 0.5 * rng.uniform();  // descending, gaps >= 0.5
  const Mat q = random_orthogonal(n, rng);
  const SymEigen e = sym_eigen(with_spectrum(q, lambda), n);
  for (int j = 0; j < n; ++j) {
    double c = 0;
    for (int i = 0; i < n; ++i) c += e.vectors[j * n + i] * q[i * n + j];
    EXPECT_NEAR(std::fabs(c), 1.0, 1e-12) << "vector " << j;
  }
}

TEST(SymEigen, RepeatedEigenvalues) {
  Rng rng(3);
  const int n = 12;
  const std::vector<double> lambda = {4, 4, 4, 1, 1, 1, 1, -2, -2, 0, 0, 7};
  const Mat q = random_orthogonal(n, rng);
  const Mat a = with_spectrum(q, lambda);
  const SymEigen e = sym_eigen(a, n);
  expect_spectrum(e, lambda, 1e-12);
  const Quality qual = quality(a, e);
  EXPECT_LT(qual.residual, 1e-12);
  EXPECT_LT(qual.orthogonality, 1e-13);
  // The eigenspace of 4 (values[1..3]) is span(q[:, 0..2]).
  Mat got(static_cast<size_t>(n) * 3), want(static_cast<size_t>(n) * 3);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < 3; ++j) {
      got[i * 3 + j] = e.vectors[(1 + j) * n + i];
      want[i * 3 + j] = q[i * n + j];
    }
  for (double angle : principal_angles(got, want, n, 3, 3)) EXPECT_LT(angle, 1e-10);
}

TEST(SymEigen, AllEigenvaluesEqual) {
  const int n = 9;
  Mat a(n * n, 0.0);
  for (int i = 0; i < n; ++i) a[i * n + i] = -3.5;
  const SymEigen e = sym_eigen(a, n);
  expect_spectrum(e, std::vector<double>(n, -3.5), 0.0);
  EXPECT_LT(quality(a, e).orthogonality, 1e-15);
}

TEST(SymEigen, Diagonal) {
  const std::vector<double> diag = {5, -1, 3, 0, 2, 3};
  const int n = static_cast<int>(diag.size());
  Mat a(n * n, 0.0);
  for (int i = 0; i < n; ++i) a[i * n + i] = diag[i];
  const SymEigen e = sym_eigen(a, n);
  expect_spectrum(e, diag, 0.0);
  // Each eigenvector is a coordinate vector whose diagonal entry is its eigenvalue.
  for (int j = 0; j < n; ++j) {
    int arg = 0;
    for (int i = 1; i < n; ++i)
      if (std::fabs(e.vectors[j * n + i]) > std::fabs(e.vectors[j * n + arg])) arg = i;
    EXPECT_EQ(std::fabs(e.vectors[j * n + arg]), 1.0);
    EXPECT_EQ(diag[arg], e.values[j]);
  }
  EXPECT_EQ(quality(a, e).orthogonality, 0.0);
}

TEST(SymEigen, OneByOne) {
  const SymEigen e = sym_eigen({-2.5}, 1);
  ASSERT_EQ(e.n, 1);
  EXPECT_EQ(e.values, std::vector<double>{-2.5});
  EXPECT_EQ(std::fabs(e.vectors[0]), 1.0);
}

TEST(SymEigen, TwoByTwo) {
  const SymEigen e = sym_eigen({2, 1, 1, 2}, 2);
  EXPECT_NEAR(e.values[0], 3.0, 1e-15);
  EXPECT_NEAR(e.values[1], 1.0, 1e-15);
  const double h = std::sqrt(0.5);
  EXPECT_NEAR(std::fabs(e.vectors[0]), h, 1e-15);
  EXPECT_NEAR(e.vectors[0] * e.vectors[1], 0.5, 1e-15);   // (1, 1) / sqrt 2 up to sign
  EXPECT_NEAR(e.vectors[2] * e.vectors[3], -0.5, 1e-15);  // (1, -1) / sqrt 2 up to sign
  // A 2x2 with a zero diagonal: eigenvalues +-|b|.
  const SymEigen z = sym_eigen({0, -4e-3, -4e-3, 0}, 2);
  EXPECT_NEAR(z.values[0], 4e-3, 1e-18);
  EXPECT_NEAR(z.values[1], -4e-3, 1e-18);
}

TEST(SymEigen, TridiagonalLaplacian) {
  // Already tridiagonal (every Householder step is the identity):
  // eigenvalues 2 - 2 cos(j pi / (n + 1)).
  const int n = 100;
  Mat a(n * n, 0.0);
  for (int i = 0; i < n; ++i) {
    a[i * n + i] = 2;
    if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
  }
  std::vector<double> want(n);
  for (int j = 1; j <= n; ++j) want[j - 1] = 2 - 2 * std::cos(j * kPi / (n + 1));
  const SymEigen e = sym_eigen(a, n);
  expect_spectrum(e, want, 1e-13);
  const Quality q = quality(a, e);
  EXPECT_LT(q.residual, 1e-13);
  EXPECT_LT(q.orthogonality, 1e-12);
}

TEST(SymEigen, ZeroMatrixAndExtremeScales) {
  const SymEigen z = sym_eigen(Mat(16, 0.0), 4);
  expect_spectrum(z, {0, 0, 0, 0}, 0.0);
  EXPECT_EQ(quality(Mat(16, 0.0), z).orthogonality, 0.0);
  Rng rng(4);
  const std::vector<double> lambda = {3, -1, 0.5, 2};
  const Mat q = random_orthogonal(4, rng);
  for (double scale : {1e150, 1e-150}) {
    std::vector<double> scaled = lambda;
    for (double& l : scaled) l *= scale;
    const SymEigen e = sym_eigen(with_spectrum(q, scaled), 4);
    for (size_t i = 0; i < 4; ++i) ASSERT_TRUE(std::isfinite(e.values[i]));
    std::vector<double> sorted = lambda;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(e.values[i] / scale, sorted[i], 1e-13);
  }
}

TEST(SymEigen, ReadsOnlyTheLowerTriangle) {
  Rng rng(5);
  const int n = 20;
  Mat a = gaussian(n, n, rng);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) a[j * n + i] = a[i * n + j];
  Mat garbage = a;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) garbage[i * n + j] = 1e9;
  const SymEigen e1 = sym_eigen(a, n), e2 = sym_eigen(garbage, n);
  EXPECT_EQ(e1.values, e2.values);
  EXPECT_EQ(e1.vectors, e2.vectors);
}

TEST(SymEigen, SameResultForAnyThreadCount) {
  Rng rng(6);
  const int n = 300;
  Mat a = gaussian(n, n, rng);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) a[j * n + i] = a[i * n + j];
  const int saved = kernels::cpu::num_threads();
  kernels::cpu::set_num_threads(1);
  const SymEigen e1 = sym_eigen(a, n);
  kernels::cpu::set_num_threads(2);
  const SymEigen e2 = sym_eigen(a, n);
  kernels::cpu::set_num_threads(saved);
  EXPECT_EQ(e1.values, e2.values);
  EXPECT_EQ(e1.vectors, e2.vectors);
  // A random symmetric matrix: the trace is the sum of the eigenvalues.
  double trace = 0, sum = 0;
  for (int i = 0; i < n; ++i) trace += a[i * n + i];
  for (double v : e1.values) sum += v;
  EXPECT_NEAR(sum, trace, 1e-10 * n);
  const Quality q = quality(a, e1, 7);
  EXPECT_LT(q.residual, 1e-11);
  EXPECT_LT(q.orthogonality, 1e-12);
}

TEST(SymEigen, Size784) {
  Rng rng(7);
  const int n = 784;
  std::vector<double> lambda(n);
  for (int i = 0; i < n; ++i) lambda[i] = std::exp(-0.01 * i) + 0.1 * rng.uniform();
  // A random symmetric matrix (Gaussian entries) for the timing, one with a known spectrum for
  // the accuracy.
  Mat g = gaussian(n, n, rng);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) g[j * n + i] = g[i * n + j];
  const auto t0 = std::chrono::steady_clock::now();
  const SymEigen eg = sym_eigen(g, n);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("sym_eigen n=784: %.3f s with %d thread(s)\n", secs, kernels::cpu::num_threads());
  const Quality qg = quality(g, eg, 97);
  EXPECT_LT(qg.residual, 1e-11);
  EXPECT_LT(qg.orthogonality, 1e-12);

  const Mat a = with_spectrum(random_orthogonal(n, rng), lambda);
  const SymEigen e = sym_eigen(a, n);
  expect_spectrum(e, lambda, 1e-12);
  const Quality q = quality(a, e, 61);
  EXPECT_LT(q.residual, 1e-12);
  EXPECT_LT(q.orthogonality, 1e-12);
}

TEST(SymEigen, Errors) {
  EXPECT_THROW(sym_eigen({}, 0), Error);
  EXPECT_THROW(sym_eigen({1, 2, 3}, 2), Error);
  try {
    sym_eigen({1, 0, NAN, 1}, 2);
    FAIL() << "no exception";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("(1, 0)"), std::string::npos) << err.what();
  }
}

// ---- Gram-Schmidt -------------------------------------------------------------------------------

TEST(Orthonormalize, OrthonormalAndSameNestedSpans) {
  Rng rng(8);
  const int n = 40, k = 7;
  const Mat a = gaussian(n, k, rng);
  const Mat q = orthonormalize_columns(a, n, k);
  const Mat qtq = matmul_tn(q, q, n, k, k);
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) EXPECT_NEAR(qtq[i * k + j], i == j ? 1.0 : 0.0, 1e-14);
  // R = Q^T A is upper triangular with a positive diagonal, and Q R = A.
  const Mat r = matmul_tn(q, a, n, k, k);
  for (int i = 0; i < k; ++i) {
    EXPECT_GT(r[i * k + i], 0.0);
    for (int j = 0; j < i; ++j) EXPECT_NEAR(r[i * k + j], 0.0, 1e-13);
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      double s = 0;
      for (int t = 0; t < k; ++t) s += q[i * k + t] * r[t * k + j];
      EXPECT_NEAR(s, a[i * k + j], 1e-13);
    }
}

TEST(Orthonormalize, IllConditionedColumnsStayOrthogonal) {
  // Columns 1 + 1e-8 * noise apart: one Gram-Schmidt pass would leave ~1e-8 of overlap.
  Rng rng(9);
  const int n = 50, k = 4;
  Mat a = gaussian(n, 1, rng), b(n * k);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) b[i * k + j] = a[i] + (j ? 1e-8 * rng.normal() : 0.0);
  const Mat q = orthonormalize_columns(b, n, k);
  const Mat qtq = matmul_tn(q, q, n, k, k);
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) EXPECT_NEAR(qtq[i * k + j], i == j ? 1.0 : 0.0, 1e-14);
}

TEST(Orthonormalize, RankDeficiencyIsAnError) {
  Rng rng(10);
  const int n = 6;
  Mat a = gaussian(n, 3, rng);
  for (int i = 0; i < n; ++i) a[i * 3 + 2] = a[i * 3] - 2 * a[i * 3 + 1];
  try {
    orthonormalize_columns(a, n, 3);
    FAIL() << "no exception";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("column 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rank deficient"), std::string::npos) << msg;
  }
  Mat zero = gaussian(n, 2, rng);
  for (int i = 0; i < n; ++i) zero[i * 2] = 0;
  EXPECT_THROW(orthonormalize_columns(zero, n, 2), Error);
  EXPECT_THROW(orthonormalize_columns(gaussian(3, 4, rng), 3, 4), Error);  // k > n
  Mat nan = gaussian(n, 2, rng);
  nan[5] = NAN;
  EXPECT_THROW(orthonormalize_columns(nan, n, 2), Error);
  EXPECT_THROW(orthonormalize_columns(Mat(5), n, 2), Error);  // size mismatch
}

TEST(Orthonormalize, FillCompletesARankDeficientBasis) {
  Rng rng(11), fill(12);
  const int n = 8;
  Mat a = gaussian(n, 4, rng);
  for (int i = 0; i < n; ++i) {
    a[i * 4 + 1] = 3 * a[i * 4];  // dependent
    a[i * 4 + 3] = 0;             // zero
  }
  const Mat q = orthonormalize_columns(a, n, 4, 1e-10, &fill);
  const Mat qtq = matmul_tn(q, q, n, 4, 4);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(qtq[i * 4 + j], i == j ? 1.0 : 0.0, 1e-14);
  // Column 0 is still a's first column, normalised, and a2 lies in span(q0, q1, q2).
  double n0 = 0;
  for (int i = 0; i < n; ++i) n0 += a[i * 4] * a[i * 4];
  for (int i = 0; i < n; ++i) EXPECT_NEAR(q[i * 4], a[i * 4] / std::sqrt(n0), 1e-15);
  Mat a02(n * 2), q012(n * 3);
  for (int i = 0; i < n; ++i) {
    a02[i * 2] = a[i * 4];
    a02[i * 2 + 1] = a[i * 4 + 2];
    for (int j = 0; j < 3; ++j) q012[i * 3 + j] = q[i * 4 + j];
  }
  for (double angle : principal_angles(a02, q012, n, 2, 3)) EXPECT_LT(angle, 1e-14);
  // The filled columns come from the generator: another seed gives another basis.
  Rng fill2(13);
  EXPECT_NE(orthonormalize_columns(a, n, 4, 1e-10, &fill2), q);
}

// ---- principal angles ---------------------------------------------------------------------------

// Columns e_i (i in idx) of R^n, as an n x |idx| matrix, rotated by q (n x n) when given.
Mat rotate(const Mat& m, int n, int k, const Mat& q) {
  Mat out(static_cast<size_t>(n) * k, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      double s = 0;
      for (int t = 0; t < n; ++t) s += q[i * n + t] * m[t * k + j];
      out[i * k + j] = s;
    }
  return out;
}

TEST(PrincipalAngles, IdenticalSubspaces) {
  Rng rng(13);
  const int n = 20, k = 5;
  const Mat a = gaussian(n, k, rng);
  const Mat mix = gaussian(k, k, rng);  // invertible with probability 1: B = A mix
  Mat b(n * k, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j)
      for (int t = 0; t < k; ++t) b[i * k + j] += a[i * k + t] * mix[t * k + j];
  const std::vector<double> angles = principal_angles(a, b, n, k, k);
  ASSERT_EQ(angles.size(), static_cast<size_t>(k));
  for (double angle : angles) EXPECT_LT(angle, 1e-13);
}

TEST(PrincipalAngles, OrthogonalSubspaces) {
  const int n = 6;
  Mat a(n * 2, 0.0), b(n * 3, 0.0);
  a[0 * 2 + 0] = a[1 * 2 + 1] = 1;  // span(e0, e1)
  b[2 * 3 + 0] = b[3 * 3 + 1] = 1;  // span(e2, e3, e4 + e5)
  b[4 * 3 + 2] = b[5 * 3 + 2] = 1;
  const std::vector<double> angles = principal_angles(a, b, n, 2, 3);
  ASSERT_EQ(angles.size(), 2u);
  for (double angle : angles) EXPECT_NEAR(angle, kPi / 2, 1e-15);
}

TEST(PrincipalAngles, PlanesAtThirtyDegrees) {
  // span(e0, e1) and span(e0, cos30 e1 + sin30 e2): angles {0, 30 deg}; the same after a random
  // rotation of R^n and with a non-orthonormal basis of B.
  Rng rng(14);
  const int n = 10;
  const double t = kPi / 6;
  Mat a(n * 2, 0.0), b(n * 2, 0.0);
  a[0] = 1;
  a[1 * 2 + 1] = 1;
  b[0] = 2;  // 2 e0 + (cos t e1 + sin t e2)
  b[1 * 2 + 0] = std::cos(t);
  b[1 * 2 + 1] = std::cos(t);
  b[2 * 2 + 0] = std::sin(t);
  b[2 * 2 + 1] = std::sin(t);
  for (bool rotated : {false, true}) {
    const Mat q = rotated ? random_orthogonal(n, rng) : Mat{};
    const Mat ra = rotated ? rotate(a, n, 2, q) : a, rb = rotated ? rotate(b, n, 2, q) : b;
    const std::vector<double> angles = principal_angles(ra, rb, n, 2, 2);
    ASSERT_EQ(angles.size(), 2u);
    EXPECT_NEAR(angles[0], 0.0, 1e-14) << "rotated=" << rotated;
    EXPECT_NEAR(angles[1], t, 1e-14) << "rotated=" << rotated;
  }
}

TEST(PrincipalAngles, KnownAnglesIncludingTinyAndDifferentDimensions) {
  // A = span(e0, e1, e2), B = span(cos a_i e_i + sin a_i e_{i+3}): angles a_i (sorted).
  Rng rng(15);
  const int n = 9;
  const std::vector<double> want = {1e-9, 0.3, 1.2};
  const std::vector<double> order = {0.3, 1.2, 1e-9};  // assigned to e0, e1, e2
  Mat a(n * 3, 0.0), b(n * 3, 0.0);
  for (int i = 0; i < 3; ++i) {
    a[i * 3 + i] = 1;
    b[i * 3 + i] = std::cos(order[i]);
    b[(i + 3) * 3 + i] = std::sin(order[i]);
  }
  const Mat q = random_orthogonal(n, rng);
  const std::vector<double> angles =
      principal_angles(rotate(a, n, 3, q), rotate(b, n, 3, q), n, 3, 3);
  ASSERT_EQ(angles.size(), 3u);
  EXPECT_NEAR(angles[0], want[0], 1e-14);  // only the sine formula resolves 1e-9
  EXPECT_NEAR(angles[1], want[1], 1e-14);
  EXPECT_NEAR(angles[2], want[2], 1e-14);

  // ka != kb: a line at 0.7 rad from e1 inside span(e1, e4), against span(e0, e1, e2).
  Mat line(n, 0.0);
  line[1] = std::cos(0.7);
  line[4] = std::sin(0.7);
  for (bool swap : {false, true}) {
    const std::vector<double> one =
        swap ? principal_angles(line, a, n, 1, 3) : principal_angles(a, line, n, 3, 1);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_NEAR(one[0], 0.7, 1e-14);
  }
}

TEST(PrincipalAngles, Errors) {
  Rng rng(16);
  Mat a = gaussian(5, 2, rng);
  Mat dep = a;
  for (int i = 0; i < 5; ++i) dep[i * 2 + 1] = dep[i * 2];
  EXPECT_THROW(principal_angles(a, dep, 5, 2, 2), Error);
  EXPECT_THROW(principal_angles(a, a, 5, 2, 3), Error);
  EXPECT_THROW(principal_angles(a, a, 5, 0, 2), Error);
}

}  // namespace
}  // namespace hg::analysis

// The covariance of binarised images: many constant features (exact zero rows), many rare
// ones (a handful of 1s in 2,000 rows) and a few busy ones. Its zero and near-zero eigenvalues
// must deflate even though their neighbours on the diagonal are (nearly) zero too.
TEST(SymEigen, CovarianceOfSparseBinaryDataConverges) {
  const int n = 400, rows = 2000;
  hg::Rng rng(77);
  std::vector<double> p(n);
  for (int j = 0; j < n; ++j)
    p[j] = j % 3 == 0 ? 0.0 : j % 3 == 1 ? 0.002 * rng.uniform() : 0.5 * rng.uniform();
  std::vector<float> X(static_cast<size_t>(rows * n));
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < n; ++j)
      X[static_cast<size_t>(i * n + j)] = rng.uniform() < p[j] ? 1.0f : 0.0f;
  std::vector<double> mean(n, 0.0), C(static_cast<size_t>(n * n), 0.0);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < n; ++j) mean[j] += X[static_cast<size_t>(i * n + j)] / double(rows);
  for (int i = 0; i < rows; ++i)
    for (int a = 0; a < n; ++a) {
      const double xa = X[static_cast<size_t>(i * n + a)] - mean[a];
      if (xa == 0) continue;
      for (int b = 0; b < n; ++b)
        C[static_cast<size_t>(a * n + b)] +=
            xa * (X[static_cast<size_t>(i * n + b)] - mean[b]) / (rows - 1);
    }
  const hg::analysis::SymEigen e = hg::analysis::sym_eigen(C, n);
  double worst = 0;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      double av = 0;
      for (int k = 0; k < n; ++k)
        av += C[static_cast<size_t>(i * n + k)] * e.vectors[static_cast<size_t>(j * n + k)];
      worst =
          std::max(worst, std::fabs(av - e.values[j] * e.vectors[static_cast<size_t>(j * n + i)]));
    }
  EXPECT_LT(worst, 1e-10 * std::max(1.0, e.values[0]));
  EXPECT_NEAR(e.values[n - 1], 0.0, 1e-12);
}
