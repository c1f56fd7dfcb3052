// Dense symmetric eigensolver, Gram-Schmidt and principal angles (see linalg.h).
//
// sym_eigen, the idea: (1) n-2 Householder reflections H_k = I - beta v v^T reduce A to a
// tridiagonal T = Q^T A Q with Q = H_0 H_1 ... H_{n-3} (about 4/3 n^3 flops with the full
// matrix kept, so every update is a contiguous row operation); (2) Q^T is formed explicitly
// (4/3 n^3); (3) the implicit QL algorithm with Wilkinson shifts diagonalises T by plane
// rotations, T = G diag(d) G^T: only O(n^2) work on (d, e), but every rotation also has to be
// applied to the eigenvector matrix, ~n^2 rotations of two length-n rows, ~3 n^3 flops, the
// dominant cost. The rotations are therefore recorded and applied in chunks to column blocks
// of W = Q^T (the eigenvectors as rows, W <- G^T W), each block a contiguous n x 64 copy that
// stays in L2 while the whole chunk of rotations sweeps over it. Blocks are independent, so
// they run on the pool (results identical for any thread count), and the inner loops are
// compiled twice: for the build's baseline and, when the CPU has it, for AVX2. No FMA
// contraction is used (ISO C++ mode), so both paths give bit-identical results.
// Measured: n = 784 in 0.18 s on one thread (details in tests/analysis/test_linalg.cpp).
#include "apps/analysis/linalg.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "engine/host/parallel.h"
#include "engine/util/error.h"

namespace hg::analysis {
namespace {

using host::parallel_for;

// ---- inner loops (inlined into a baseline and an AVX2 copy of each driver) -------------------

// Sum of a[i] * b[i] with 8 independent partial sums (vectorisable without reassociation
// flags; the combination order is fixed, so the result is deterministic).
inline double dot(const double* a, const double* b, int64_t m) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= m; j += 8)
    for (int u = 0; u < 8; ++u) acc[u] += a[j + u] * b[j + u];
  double tail = 0;
  for (; j < m; ++j) tail += a[j] * b[j];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

struct Rot {
  int i;  // rotates rows i and i+1 of W
  double c, s;
};

constexpr int kRotBlock = 64;  // columns of W per block in the rotation phase

// Applies rotations [r, r+count) to the n x kRotBlock block `buf` (row-major, stride
// kRotBlock): rows (i, i+1) <- (c*x - s*y, s*x + c*y).
inline void rotate_block_impl(double* buf, const Rot* r, size_t count) {
  for (size_t q = 0; q < count; ++q) {
    double* x = buf + static_cast<int64_t>(r[q].i) * kRotBlock;
    double* y = x + kRotBlock;
    const double c = r[q].c, s = r[q].s;
    for (int t = 0; t < kRotBlock; ++t) {
      const double xv = x[t], yv = y[t];
      y[t] = s * xv + c * yv;
      x[t] = c * xv - s * yv;
    }
  }
}

// One Householder step's work on rows [lo, hi) of the trailing block: p[i] = A22[i,:] . v.
inline void matvec_rows_impl(const double* a, int64_t lda, const double* v, int64_t m, double* p,
                             int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; ++i) p[i] = dot(a + i * lda, v, m);
}

// A22[i,:] -= v[i] w + w[i] v for rows [lo, hi).
inline void rank2_rows_impl(double* a, int64_t lda, const double* v, const double* w, int64_t m,
                            int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; ++i) {
    double* row = a + i * lda;
    const double vi = v[i], wi = w[i];
    for (int64_t j = 0; j < m; ++j) row[j] -= vi * w[j] + wi * v[j];
  }
}

// P[r,:] <- P[r,:] - beta (P[r,:] . v) v for rows [lo, hi) (P = the trailing columns).
inline void reflect_rows_impl(double* p, int64_t ldp, const double* v, int64_t m, double beta,
                              int64_t lo, int64_t hi) {
  for (int64_t r = lo; r < hi; ++r) {
    double* row = p + r * ldp;
    const double s = beta * dot(row, v, m);
    for (int64_t j = 0; j < m; ++j) row[j] -= s * v[j];
  }
}

__attribute__((target("avx2"))) void rotate_block_avx2(double* b, const Rot* r, size_t n) {
  rotate_block_impl(b, r, n);
}
void rotate_block_base(double* b, const Rot* r, size_t n) { rotate_block_impl(b, r, n); }
__attribute__((target("avx2"))) void matvec_rows_avx2(const double* a, int64_t lda, const double* v,
                                                      int64_t m, double* p, int64_t lo,
                                                      int64_t hi) {
  matvec_rows_impl(a, lda, v, m, p, lo, hi);
}
void matvec_rows_base(const double* a, int64_t lda, const double* v, int64_t m, double* p,
                      int64_t lo, int64_t hi) {
  matvec_rows_impl(a, lda, v, m, p, lo, hi);
}
__attribute__((target("avx2"))) void rank2_rows_avx2(double* a, int64_t lda, const double* v,
                                                     const double* w, int64_t m, int64_t lo,
                                                     int64_t hi) {
  rank2_rows_impl(a, lda, v, w, m, lo, hi);
}
void rank2_rows_base(double* a, int64_t lda, const double* v, const double* w, int64_t m,
                     int64_t lo, int64_t hi) {
  rank2_rows_impl(a, lda, v, w, m, lo, hi);
}
__attribute__((target("avx2"))) void reflect_rows_avx2(double* p, int64_t ldp, const double* v,
                                                       int64_t m, double beta, int64_t lo,
                                                       int64_t hi) {
  reflect_rows_impl(p, ldp, v, m, beta, lo, hi);
}
void reflect_rows_base(double* p, int64_t ldp, const double* v, int64_t m, double beta, int64_t lo,
                       int64_t hi) {
  reflect_rows_impl(p, ldp, v, m, beta, lo, hi);
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

// Rows per parallel task: enough work (~64K flops) that the pool's overhead does not show.
int64_t row_grain(int64_t m) { return std::max<int64_t>(8, 65536 / std::max<int64_t>(m, 1)); }

// ---- Householder tridiagonalisation ---------------------------------------------------------

struct Tridiag {
  std::vector<double> d, e;  // diagonal [n], off-diagonal [n] (e[i] couples i and i+1; e[n-1] = 0)
  std::vector<double> w;     // W = Q^T [n, n]
};

Tridiag tridiagonalize(std::vector<double> a, int n) {
  const bool avx2 = have_avx2();
  const auto matvec = avx2 ? matvec_rows_avx2 : matvec_rows_base;
  const auto rank2 = avx2 ? rank2_rows_avx2 : rank2_rows_base;
  const auto reflect = avx2 ? reflect_rows_avx2 : reflect_rows_base;
  const int64_t N = n;
  Tridiag t;
  t.d.assign(n, 0.0);
  t.e.assign(n, 0.0);
  std::vector<std::vector<double>> vs(std::max(n - 2, 0));  // reflector k acts on k+1..n-1
  std::vector<double> betas(std::max(n - 2, 0), 0.0);
  std::vector<double> p(n), w(n);

  for (int k = 0; k + 2 < n; ++k) {
    const int64_t m = N - k - 1;           // trailing block size
    double* x = a.data() + k * N + k + 1;  // row k right of the diagonal == column k below it
    double sigma = 0;                      // |x[1:]|^2
    for (int64_t j = 1; j < m; ++j) sigma += x[j] * x[j];
    t.d[k] = a[k * N + k];
    std::vector<double>& v = vs[k];
    if (sigma == 0.0) {  // already in tridiagonal form in this column: H_k = I
      t.e[k] = x[0];
      continue;
    }
    // H x = alpha e_1 with alpha = -sign(x0) |x| (no cancellation in v0 = x0 - alpha).
    const double norm = std::sqrt(x[0] * x[0] + sigma);
    const double alpha = x[0] >= 0 ? -norm : norm;
    v.assign(x, x + m);
    v[0] = x[0] - alpha;
    const double beta = 1.0 / (norm * (norm + std::fabs(x[0])));  // 2 / (v^T v)
    betas[k] = beta;
    t.e[k] = alpha;

    // A22 <- H A22 H = A22 - v w^T - w v^T with p = beta A22 v, w = p - (beta/2)(v^T p) v.
    double* a22 = a.data() + (k + 1) * N + k + 1;
    parallel_for(0, m, row_grain(m),
                 [&](int64_t lo, int64_t hi) { matvec(a22, N, v.data(), m, p.data(), lo, hi); });
    for (int64_t i = 0; i < m; ++i) p[i] *= beta;
    const double kk = 0.5 * beta * dot(v.data(), p.data(), m);
    for (int64_t i = 0; i < m; ++i) w[i] = p[i] - kk * v[i];
    parallel_for(0, m, row_grain(m),
                 [&](int64_t lo, int64_t hi) { rank2(a22, N, v.data(), w.data(), m, lo, hi); });
  }
  if (n >= 2) {
    t.d[n - 2] = a[(N - 2) * N + N - 2];
    t.e[n - 2] = a[(N - 1) * N + N - 2];
  }
  t.d[n - 1] = a[(N - 1) * N + N - 1];

  // W = Q^T = H_{n-3} ... H_0, built as I * H_{n-3} * ... * H_0 (right multiplications). Before
  // H_k is applied the product is the identity on indices <= k+1, so only rows and columns
  // k+1..n-1 change.
  t.w.assign(static_cast<size_t>(N * N), 0.0);
  for (int64_t i = 0; i < N; ++i) t.w[i * N + i] = 1.0;
  for (int k = n - 3; k >= 0; --k) {
    if (betas[k] == 0.0) continue;
    const int64_t m = N - k - 1;
    double* p0 = t.w.data() + (k + 1) * N + k + 1;
    const std::vector<double>& v = vs[k];
    const double beta = betas[k];
    parallel_for(0, m, row_grain(m),
                 [&](int64_t lo, int64_t hi) { reflect(p0, N, v.data(), m, beta, lo, hi); });
  }
  return t;
}

// Applies the recorded rotations to W (n x n, rows = current eigenvector estimates), column
// block by column block, and clears the list.
void flush_rotations(std::vector<Rot>& rots, std::vector<double>& w, int n) {
  if (rots.empty()) return;
  const auto rotate = have_avx2() ? rotate_block_avx2 : rotate_block_base;
  const int64_t N = n;
  const int64_t nblocks = (N + kRotBlock - 1) / kRotBlock;
  // Rotations only touch rows min_i .. max_i+1: copy just those.
  int lo_row = n, hi_row = 0;
  for (const Rot& r : rots) {
    lo_row = std::min(lo_row, r.i);
    hi_row = std::max(hi_row, r.i + 2);
  }
  parallel_for(0, nblocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<double> buf(static_cast<size_t>(N * kRotBlock), 0.0);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t c0 = b * kRotBlock, width = std::min<int64_t>(kRotBlock, N - c0);
      for (int64_t r = lo_row; r < hi_row; ++r)
        std::copy_n(w.data() + r * N + c0, width, buf.data() + r * kRotBlock);
      rotate(buf.data(), rots.data(), rots.size());
      for (int64_t r = lo_row; r < hi_row; ++r)
        std::copy_n(buf.data() + r * kRotBlock, width, w.data() + r * N + c0);
    }
  });
  rots.clear();
}

// Implicit QL with Wilkinson shifts on (d, e); the rotations are applied to the rows of w.
void tridiagonal_ql(std::vector<double>& d, std::vector<double>& e, std::vector<double>& w, int n) {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  constexpr double tiny = std::numeric_limits<double>::min();
  constexpr int kMaxIter = 30;
  constexpr size_t kChunk = size_t{1} << 16;
  std::vector<Rot> rots;
  rots.reserve(kChunk + static_cast<size_t>(n));

  // An off-diagonal below eps * ||T|| is negligible whatever its neighbours: dropping it is a
  // perturbation of the size rounding already made (backward stable). Without this a block of
  // zero eigenvalues (constant pixels in a covariance) never deflates: eps * (|d_m| + |d_m+1|)
  // is 0 there while the rounding noise in e is not.
  double anorm = 0;
  for (int i = 0; i < n; ++i)
    anorm = std::max(anorm, std::fabs(d[i]) + (i + 1 < n ? std::fabs(e[i]) : 0.0));
  const double floor_e = eps * anorm;
  for (int l = 0; l < n; ++l) {
    int iter = 0;
    for (;;) {
      // The first negligible off-diagonal at or below l splits off the block l..m.
      int m = l;
      for (; m + 1 < n; ++m) {
        const double dd = std::fabs(d[m]) + std::fabs(d[m + 1]);
        if (std::fabs(e[m]) <= eps * dd || std::fabs(e[m]) <= floor_e || std::fabs(e[m]) <= tiny)
          break;
      }
      if (m == l) break;  // d[l] has converged
      if (++iter > kMaxIter)
        throw Error("sym_eigen: the QL iteration did not converge for eigenvalue " +
                    std::to_string(l) + " of " + std::to_string(n) + " after " +
                    std::to_string(kMaxIter) + " iterations");
      // Wilkinson shift: the eigenvalue of the leading 2x2 block [d_l e_l; e_l d_l+1] closer
      // to d_l. g starts as d_m - shift, the first element of the chase.
      double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
      double r = std::hypot(g, 1.0);
      const double shift = d[l] - e[l] / (g + std::copysign(r, g));
      g = d[m] - shift;
      double s = 1.0, c = 1.0, p = 0.0;
      int i = m - 1;
      bool underflow = false;
      // Chase the bulge from the bottom of the block to the top with rotations in (i, i+1).
      for (; i >= l; --i) {
        const double f = s * e[i];
        const double b = c * e[i];
        r = std::hypot(f, g);
        e[i + 1] = r;
        if (r == 0.0) {  // the rotation is undefined: the block splits, restart on it
          d[i + 1] -= p;
          e[m] = 0.0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2.0 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        rots.push_back({i, c, s});
      }
      if (!underflow) {
        d[l] -= p;
        e[l] = g;
        e[m] = 0.0;
      }
      if (rots.size() >= kChunk) flush_rotations(rots, w, n);
    }
  }
  flush_rotations(rots, w, n);
}

void check_size(const std::vector<double>& A, int64_t rows, int64_t cols, const char* fn,
                const char* name) {
  if (rows < 0 || cols < 0 || A.size() != static_cast<size_t>(rows * cols))
    throw Error(std::string(fn) + ": " + name + " has " + std::to_string(A.size()) +
                " entries, expected " + std::to_string(rows) + " x " + std::to_string(cols));
}

}  // namespace

SymEigen sym_eigen(const std::vector<double>& A, int n) {
  if (n < 1) throw Error("sym_eigen: matrix size must be >= 1, got " + std::to_string(n));
  check_size(A, n, n, "sym_eigen", "the matrix");
  const int64_t N = n;
  // Symmetrise from the lower triangle and scale to max |a| in [1, 2) (no overflow in the norms).
  double amax = 0.0;
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      const double v = A[i * N + j];
      if (!std::isfinite(v))
        throw Error("sym_eigen: entry (" + std::to_string(i) + ", " + std::to_string(j) +
                    ") is not finite");
      amax = std::max(amax, std::fabs(v));
    }
  SymEigen out;
  out.n = n;
  if (amax == 0.0) {
    out.values.assign(n, 0.0);
    out.vectors.assign(static_cast<size_t>(N * N), 0.0);
    for (int64_t i = 0; i < N; ++i) out.vectors[i * N + i] = 1.0;
    return out;
  }
  // A power of two, so the scaling itself is exact (a diagonal matrix comes back bit for bit).
  const int expo = std::ilogb(amax);
  std::vector<double> a(static_cast<size_t>(N * N));
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j <= i; ++j) a[i * N + j] = a[j * N + i] = std::ldexp(A[i * N + j], -expo);

  Tridiag t = tridiagonalize(std::move(a), n);
  tridiagonal_ql(t.d, t.e, t.w, n);

  // Sort descending (stable: ties keep the QL order, so the output is deterministic).
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return t.d[x] > t.d[y]; });
  out.values.resize(n);
  out.vectors.resize(static_cast<size_t>(N * N));
  for (int64_t j = 0; j < N; ++j) {
    out.values[j] = std::ldexp(t.d[order[j]], expo);
    std::copy_n(t.w.data() + order[j] * N, N, out.vectors.data() + j * N);
  }
  return out;
}

std::vector<double> orthonormalize_columns(const std::vector<double>& A, int n, int k,
                                           double rel_tol, Rng* fill) {
  if (n < 1 || k < 0)
    throw Error("orthonormalize_columns: bad size " + std::to_string(n) + " x " +
                std::to_string(k));
  check_size(A, n, k, "orthonormalize_columns", "the matrix");
  if (k > n)
    throw Error("orthonormalize_columns: " + std::to_string(k) + " columns in dimension " +
                std::to_string(n) + " are linearly dependent (rank deficient)");
  const int64_t N = n, K = k;
  // Work on columns stored contiguously: c[j * n + i] = A[i, j].
  std::vector<double> c(static_cast<size_t>(N * K));
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < K; ++j) c[j * N + i] = A[i * K + j];

  auto project_out = [&](double* col, int64_t j) {  // two MGS passes against columns 0..j-1
    for (int pass = 0; pass < 2; ++pass)
      for (int64_t q = 0; q < j; ++q) {
        const double* qc = c.data() + q * N;
        const double h = dot(qc, col, N);
        for (int64_t i = 0; i < N; ++i) col[i] -= h * qc[i];
      }
  };
  for (int64_t j = 0; j < K; ++j) {
    double* col = c.data() + j * N;
    const double orig = std::sqrt(dot(col, col, N));
    if (!std::isfinite(orig))
      throw Error("orthonormalize_columns: column " + std::to_string(j) +
                  " contains NaN or infinity");
    project_out(col, j);
    double norm = std::sqrt(dot(col, col, N));
    if (orig == 0.0 || norm <= rel_tol * orig) {
      if (!fill)
        throw Error("orthonormalize_columns: column " + std::to_string(j) +
                    (orig == 0.0 ? " is zero" : " is linearly dependent on the columns before it") +
                    " (rank deficient)");
      // Replace it with a random direction orthogonal to the earlier columns (j < n, so one
      // exists; a Gaussian vector has a component in it with probability 1).
      for (int attempt = 0;; ++attempt) {
        if (attempt == 10)
          throw Error("orthonormalize_columns: could not complete the basis at column " +
                      std::to_string(j));
        for (int64_t i = 0; i < N; ++i) col[i] = fill->normal();
        const double o = std::sqrt(dot(col, col, N));
        project_out(col, j);
        norm = std::sqrt(dot(col, col, N));
        if (norm > 1e-6 * o) break;
      }
    }
    for (int64_t i = 0; i < N; ++i) col[i] /= norm;
  }
  std::vector<double> q(static_cast<size_t>(N * K));
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < K; ++j) q[i * K + j] = c[j * N + i];
  return q;
}

std::vector<double> matmul_tn(const std::vector<double>& A, const std::vector<double>& B, int n,
                              int ka, int kb) {
  check_size(A, n, ka, "matmul_tn", "A");
  check_size(B, n, kb, "matmul_tn", "B");
  std::vector<double> C(static_cast<size_t>(ka) * kb, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const double* a = A.data() + i * ka;
    const double* b = B.data() + i * kb;
    for (int64_t p = 0; p < ka; ++p) {
      const double ap = a[p];
      double* crow = C.data() + p * kb;
      for (int64_t q = 0; q < kb; ++q) crow[q] += ap * b[q];
    }
  }
  return C;
}

std::vector<double> principal_angles(const std::vector<double>& A, const std::vector<double>& B,
                                     int n, int ka, int kb) {
  if (n < 1 || ka < 1 || kb < 1)
    throw Error("principal_angles: bad sizes n=" + std::to_string(n) + " ka=" + std::to_string(ka) +
                " kb=" + std::to_string(kb));
  check_size(A, n, ka, "principal_angles", "A");
  check_size(B, n, kb, "principal_angles", "B");
  // Angles are symmetric in (A, B): arrange kb <= ka so that every Gram matrix is kb x kb.
  if (kb > ka) return principal_angles(B, A, n, kb, ka);
  const std::vector<double> qa = orthonormalize_columns(A, n, ka);
  const std::vector<double> qb = orthonormalize_columns(B, n, kb);
  const std::vector<double> m = matmul_tn(qa, qb, n, ka, kb);        // ka x kb
  const SymEigen cos2 = sym_eigen(matmul_tn(m, m, ka, kb, kb), kb);  // M^T M: cos^2, descending
  // R = Qb - Qa M is the part of span(B) outside span(A). With M^T M = V diag(cos^2) V^T, the
  // columns R v_j are orthogonal with norms sin_j (R^T R = I - M^T M), and a norm computed
  // directly keeps its relative accuracy even when sin_j is tiny.
  std::vector<double> r = qb;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t q = 0; q < kb; ++q) {
      double s = 0;
      for (int64_t p = 0; p < ka; ++p) s += qa[i * ka + p] * m[p * kb + q];
      r[i * kb + q] -= s;
    }
  std::vector<double> angles(kb);
  for (int j = 0; j < kb; ++j) {
    const double* v = cos2.vectors.data() + static_cast<int64_t>(j) * kb;
    double s2 = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double rv = dot(r.data() + i * kb, v, kb);
      s2 += rv * rv;
    }
    const double c = std::sqrt(std::clamp(cos2.values[j], 0.0, 1.0));
    angles[j] = s2 < 0.5 ? std::asin(std::sqrt(s2)) : std::acos(c);
  }
  std::sort(angles.begin(), angles.end());
  return angles;
}

}  // namespace hg::analysis
