// Small dense linear algebra in double precision for the analysis tools (PCA, subspace
// comparisons). Matrices are row-major std::vector<double>; an n x k matrix A has A[i * k + j].
// Failures (no convergence, rank deficiency, bad sizes, non-finite input) throw hg::Error.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/util/rng.h"

namespace hg::analysis {

// Eigen-decomposition of a symmetric matrix: A = sum_j values[j] * v_j v_j^T.
struct SymEigen {
  int n = 0;
  std::vector<double> values;   // [n], descending
  std::vector<double> vectors;  // [n, n] row-major; ROW j (vectors[j*n .. j*n+n)) is the unit
                                // eigenvector of values[j]. The rows are orthonormal.
};

// All eigenvalues and eigenvectors of the symmetric n x n matrix A (only the lower triangle is
// read). Householder reduction to tridiagonal form, then the implicit QL algorithm with
// Wilkinson shifts; O(n^3), about 0.2 s at n = 784 on one core. The signs of the eigenvectors
// are whatever the algorithm produces (callers that need a convention fix it themselves).
// Throws hg::Error for n < 1, a size mismatch, a NaN/inf entry, or no convergence.
SymEigen sym_eigen(const std::vector<double>& A, int n);

// Orthonormal basis of the column space of A (n x k, k <= n), column by column (modified
// Gram-Schmidt, each column orthogonalised twice): the returned Q is n x k with Q^T Q = I and
// span(Q[:, :j]) = span(A[:, :j]) for every j. A column whose norm after removing the earlier
// directions is below rel_tol times its original norm (or that is zero) makes A rank
// deficient: without `fill` that throws hg::Error naming the column; with `fill`, the column is
// replaced by a random Gaussian vector from *fill made orthonormal to the earlier ones (used by
// the randomized PCA, where rank-deficient data is legal).
std::vector<double> orthonormalize_columns(const std::vector<double>& A, int n, int k,
                                           double rel_tol = 1e-10, Rng* fill = nullptr);

// Principal angles (radians, ascending, min(ka, kb) of them) between the column spaces of A
// (n x ka) and B (n x kb). Both are orthonormalised (throws if either is rank deficient); the
// singular values of M = Qa^T Qb are the cosines, computed as the square roots of the
// eigenvalues of M^T M (clamped to [0, 1]; A and B are swapped first so that kb <= ka). Angles
// below 45 degrees are taken from the sines instead, the norms |(Qb - Qa M) v_j| with v_j the
// eigenvectors of M^T M, which keeps small angles accurate to ~1e-15 rather than ~1e-8.
std::vector<double> principal_angles(const std::vector<double>& A, const std::vector<double>& B,
                                     int n, int ka, int kb);

// C = A^T B for A (n x ka) and B (n x kb), row-major, in double: C is ka x kb.
std::vector<double> matmul_tn(const std::vector<double>& A, const std::vector<double>& B, int n,
                              int ka, int kb);

}  // namespace hg::analysis
