// Isolation Forest (Liu, Ting & Zhou 2008) on float32 data, following scikit-learn's
// IsolationForest with its defaults (n_estimators=100, max_samples="auto", max_features=1.0,
// bootstrap=False):
//
//   IsolationForest f = IsolationForest::fit(X, n, d);   // X: [n, d] row-major, one row a sample
//   std::vector<double> s = f.score(Y, m);               // [m], higher = more anomalous
//
// - Every tree is grown on its own min(max_samples, n) rows drawn without replacement.
// - A node becomes a leaf at depth ceil(log2(max(rows per tree, 2))) (the root has depth 0),
//   when it holds one row, or when every feature is constant over its rows. Otherwise the split
//   feature is drawn uniformly among the features that are not constant over the node's rows,
//   the threshold uniformly in [min, max) of that feature over them (a draw that rounds to max
//   becomes min, as in scikit-learn), and rows with x <= threshold go left. "Constant" means
//   max == min exactly; scikit-learn treats a range up to 1e-7 as constant, which only differs
//   for features whose values within a node are closer than 1e-7.
// - The path length of a row in a tree is the depth of the leaf it reaches plus c(size), size the
//   number of the tree's rows in that leaf, with scikit-learn's average path length
//   c(1) = 0, c(2) = 1, c(m) = 2 (ln(m - 1) + Euler's gamma) - 2 (m - 1) / m for m > 2
//   (ln + gamma standing in for the harmonic number H(m - 1)).
// - score = 2^(-(mean path length over the trees) / c(rows per tree)), which is minus
//   scikit-learn's score_samples. Scores lie in (0, 1]; about 0.5 and below is ordinary.
// - The same data, options and seed give the same forest and the same scores bit for bit
//   whatever the thread count (each tree draws from its own seed, taken in order from `seed`).
//   The forest does not follow scikit-learn's random stream, so the two agree in distribution,
//   not tree by tree.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

struct IsolationForestOptions {
  int n_estimators = 100;     // trees, >= 1
  int64_t max_samples = 256;  // rows per tree: min(max_samples, n); >= 2
  uint64_t seed = 0;
};

// A fitted forest: plain data, so it can be written out and read back field by field. The trees
// are stored one after another in pre-order (a node, then its left subtree, then its right).
struct IsolationForest {
  int64_t d = 0;                    // features
  int64_t samples_per_tree = 0;     // min(max_samples, n): the c(.) that normalises the score
  std::vector<int64_t> tree_start;  // [trees + 1]: tree t is nodes [tree_start[t], tree_start[t +
                                    // 1]), its root first; tree_start[0] = 0
  std::vector<int32_t> feature;     // [nodes] split feature, -1 at a leaf
  std::vector<double> threshold;  // [nodes] rows with x[feature] <= threshold go left (0 at a leaf)
  std::vector<int32_t> left;      // [nodes] absolute index of the left child, -1 at a leaf
  std::vector<int32_t> right;     // [nodes] absolute index of the right child, -1 at a leaf
  std::vector<int32_t> leaf_size;  // [nodes] the tree's rows that reached the node

  int n_trees() const { return tree_start.empty() ? 0 : static_cast<int>(tree_start.size() - 1); }

  // Grows the forest on X [n, d]. Throws hg::Error (one line) for n < 2, d < 1, n_estimators < 1,
  // max_samples < 2, a forest too large for int32 node indices, or a NaN / infinity in X (naming
  // the first such row).
  static IsolationForest fit(const float* X, int64_t n, int64_t d,
                             const IsolationForestOptions& opt = {});

  // The anomaly scores of the m rows of Y [m, d] (m may be 0). Throws hg::Error for an unfitted
  // or inconsistent forest (array sizes, child indices that do not point forward inside their
  // tree, features out of range) or a NaN / infinity in Y (naming the row).
  std::vector<double> score(const float* Y, int64_t m) const;
};

// scikit-learn's average path length c(m) of an unsuccessful search in a binary search tree of
// m keys (see above); c(m) = 0 for m <= 1.
double iforest_average_path_length(int64_t m);

}  // namespace hg::analysis
