// t-SNE (van der Maaten & Hinton 2008) with the Barnes-Hut gradient (van der Maaten 2014), set
// up as scikit-learn's sklearn.manifold.TSNE so that the two can be compared run for run.
//
//   TsneOptions o;                      // dims 2, perplexity 30, theta 0.5, 1000 iterations
//   TsneResult r = tsne(X, n, d, o);    // X: [n, d] row-major float32
//   r.embedding                         // [n, dims]
//
// Input affinities: the k = min(n - 1, floor(3 * perplexity) + 1) exact nearest neighbours of
// every point (squared Euclidean distances), a Gaussian per point whose bandwidth is found by a
// safeguarded Newton search so that exp(H) = perplexity (H, the entropy of the conditional
// distribution, in nats), and P = (P_cond + P_cond^T) / sum, a sparse symmetric matrix summing to
// 1. With theta = 0 ("exact") the conditionals use all n - 1 other points and P is dense.
// Initialisation: "pca" (the top dims principal components, scaled so that the first coordinate
// has standard deviation 1e-4) or "random" (N(0, 1e-4^2), from seed).
// Optimisation as scikit-learn: gradient descent with momentum (0.5 for the first
// exaggeration_iter iterations, where P is multiplied by early_exaggeration, then 0.8; the
// momentum buffer and the gains restart when the stage changes), per-coordinate gains (+0.2 while
// the gradient keeps its sign, i.e. points against the last step, else *0.8, at least 0.01).
// Every 50 iterations the KL divergence and the gradient norm are checked: a norm below 1e-7
// ends the stage, and after exaggeration so does a KL that has not improved for 300 iterations.
// Gradient: exact O(n^2) for theta = 0, else Barnes-Hut (apps/analysis/barnes_hut.h) for the
// repulsion plus the attractive forces from the sparse P, both in parallel over points.
// Deterministic for a given seed at any thread count: every sum has a fixed order.
// Measured on 10000 Fashion-MNIST test images projected on 32 principal components (2-core AMD
// EPYC shared with other builds, load about 5): 3.5-4.5 s (0.3 s of it for neighbours and P) to
// KL 1.451 (1.455 with the exact Z), against 62-95 s and KL 1.464 (1.473 with the exact Z) for
// scikit-learn 1.2's Barnes-Hut TSNE with the same settings (bench/ref/tsne_sklearn.py).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/analysis/barnes_hut.h"

namespace hg::analysis {

struct TsneOptions {
  int dims = 2;            // 2 or 3
  double perplexity = 30;  // 0 < perplexity < n
  double theta = 0.5;      // Barnes-Hut angle; 0 = exact gradient (n <= 10000)
  int max_iter = 1000;     // total iterations, exaggeration stage included
  double early_exaggeration = 12;
  int exaggeration_iter = 250;
  double learning_rate = -1;  // -1 = "auto": max(n / early_exaggeration / 4, 50)
  std::string init = "pca";   // "pca" or "random"
  uint64_t seed = 0;          // the random initialisation
  bool verbose = false;       // progress on stderr every 50 iterations
};

struct TsneCheck {
  int iteration;     // 1-based count of iterations done
  double kl;         // KL(P || Q) of the embedding then (P not exaggerated, Z as in `kl` below)
  double grad_norm;  // |gains * gradient| of that iteration
};

struct TsneResult {
  std::vector<float> embedding;  // [n, dims]
  double kl = 0;                 // KL(P || Q) of the final embedding over the non-zeros of P;
                                 // Q's normaliser exact for theta = 0 or n <= 5000, else from
                                 // the Barnes-Hut tree
  int iterations = 0;            // iterations run (< max_iter when a convergence check stopped it)
  double seconds = 0;            // wall time of the whole call
  std::vector<TsneCheck> trace;  // every 50 iterations
};

// Throws hg::Error (one line) for n < 2, d < 1, perplexity not in (0, n), a NaN or infinity
// (naming the row), dims not 2 or 3, or other bad options.
TsneResult tsne(const float* X, int64_t n, int64_t d, const TsneOptions& opt = {});

// ---- the pieces, exposed for tests and other analyses ------------------------------------------
namespace tsne_detail {

// The k nearest other points of every row of X [n, d]: indices and squared Euclidean distances
// (recomputed in double), [n, k] each, ascending by (distance, index). Candidates are selected
// through blocked SGEMM distances |a|^2 + |b|^2 - 2 a.b on the centred data.
struct Knn {
  int k = 0;
  std::vector<int32_t> index;
  std::vector<double> dist2;
};
Knn nearest_neighbors(const float* X, int64_t n, int64_t d, int k);

// Conditional probabilities p_j|i proportional to exp(-beta_i dist2_ij) for `rows` rows of `k`
// squared distances, with beta_i such that exp(entropy in nats) = perplexity (|H - log perp| <
// 1e-10 unless unattainable). P: [rows, k]; beta (nullable): [rows].
void calibrate_perplexity(const double* dist2, int64_t rows, int k, double perplexity, double* P,
                          double* beta = nullptr);

// A sparse symmetric matrix in CSR form (rows sorted by column, no diagonal).
struct SparseP {
  int64_t n = 0;
  std::vector<int64_t> row_ptr;  // [n + 1]
  std::vector<int32_t> col;
  std::vector<double> val;
};
// (P_cond + P_cond^T) / sum, P_cond [n, knn.k] the conditional probabilities of the neighbours.
SparseP symmetrize(const Knn& knn, const double* P_cond, int64_t n);
// The whole input side: neighbours (k = min(n - 1, floor(3 perplexity) + 1)), calibration, P.
SparseP sparse_affinities(const float* X, int64_t n, int64_t d, double perplexity);
// Dense [n, n] P from all pairs (the exact method).
std::vector<double> dense_affinities(const float* X, int64_t n, int64_t d, double perplexity);

// Exact gradient of KL(P || Q) at Y [n, dims] for a dense P [n, n], with P multiplied by
// `exaggeration` in the attractive term: grad_i = 4 sum_j (ex p_ij - q_ij) w_ij (y_i - y_j).
// Returns KL(P || Q) (unexaggerated) when compute_kl, else 0.
double exact_gradient(const double* P, const double* Y, int64_t n, int dims, double exaggeration,
                      double* grad, bool compute_kl);
// The same with the sparse P and the Barnes-Hut repulsion at angle theta (theta = 0: exact
// repulsion, O(n^2)). Returns KL(P || Q) over the non-zeros of P, Z from the tree, when
// compute_kl, else 0. `Z` (nullable) receives the normaliser estimate.
double bh_gradient(const SparseP& P, const double* Y, int64_t n, int dims, double theta,
                   double exaggeration, double* grad, bool compute_kl, double* Z = nullptr);
// The same reusing a tree's buffers across calls.
double bh_gradient(BarnesHut& bh, const SparseP& P, const double* Y, int64_t n, int dims,
                   double theta, double exaggeration, double* grad, bool compute_kl,
                   double* Z = nullptr);
// Z = sum_{i != j} 1 / (1 + |y_i - y_j|^2), exactly (O(n^2)).
double exact_normalizer(const double* Y, int64_t n, int dims);
// KL(P || Q) over the non-zeros of the sparse P for a given normaliser Z.
double sparse_kl(const SparseP& P, const double* Y, int dims, double Z);

}  // namespace tsne_detail
}  // namespace hg::analysis
