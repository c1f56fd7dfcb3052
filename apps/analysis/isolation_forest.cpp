// Isolation Forest (see isolation_forest.h).
//
// Growing: the trees go in parallel, one task per tree, each with its own hg::Rng seeded from
// the master stream in tree order and its own node arrays; they are concatenated in tree order,
// so neither the forest nor the scores depend on the thread count. A tree's rows are drawn with
// Floyd's algorithm (m draws, no O(n) index array per tree), then partitioned in place node by
// node. The split feature comes from a partial Fisher-Yates shuffle of the feature list: drawing
// features without replacement until one is not constant over the node picks that one uniformly
// among the non-constant features (as scikit-learn's random splitter does), and in a node where
// most features vary it costs one min/max pass over the node's rows, not d of them.
// Scoring: rows go in parallel; each row walks the trees in order and sums its path lengths in
// double. Children always follow their parent in the arrays, which score() checks once, so a
// walk through a forest read back from disk always ends.
// Measured (Release, 2 threads, 2-core AMD EPYC shared with other builds, Fashion-MNIST 10000 x 784
// fit, 10000 rows scored): fit 0.005-0.009 s, score 0.025-0.03 s (scikit-learn 1.2.1 on the same
// machine: 0.07 s and 0.6 s). Against scikit-learn on those rows: Spearman 0.930 between the two
// (0.931 between two scikit-learn seeds), mean |difference| 0.0100 (0.0106 between seeds).
#include "apps/analysis/isolation_forest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_set>

#include "apps/analysis/kmeans.h"  // detail::first_nonfinite_row
#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::analysis {
namespace {

namespace host = hg::host;

constexpr double kEulerGamma = 0.57721566490153286061;
constexpr int64_t kScoreGrain = 64;  // rows per task when scoring

std::string s(int64_t v) { return std::to_string(v); }

// The nodes of one tree, indices local to the tree.
struct Tree {
  std::vector<int32_t> feature, left, right, size;
  std::vector<double> threshold;

  int32_t add(int64_t rows) {
    feature.push_back(-1);
    left.push_back(-1);
    right.push_back(-1);
    size.push_back(static_cast<int32_t>(rows));
    threshold.push_back(0.0);
    return static_cast<int32_t>(feature.size() - 1);
  }
};

// m distinct row indices of [0, n), ascending (Floyd's sampling without replacement).
std::vector<int64_t> draw_rows(int64_t n, int64_t m, Rng& rng) {
  std::vector<int64_t> rows;
  rows.reserve(static_cast<size_t>(m));
  if (m == n) {
    for (int64_t i = 0; i < n; ++i) rows.push_back(i);
    return rows;
  }
  std::unordered_set<int64_t> taken;
  taken.reserve(static_cast<size_t>(2 * m));
  for (int64_t j = n - m; j < n; ++j) {
    const int64_t t = static_cast<int64_t>(rng.below(static_cast<uint64_t>(j + 1)));
    const int64_t pick = taken.count(t) ? j : t;
    taken.insert(pick);
    rows.push_back(pick);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

struct Grower {
  const float* X;
  int64_t d;
  int max_depth;
  Rng& rng;
  std::vector<int32_t> features;  // a permutation of [0, d), reshuffled in part at every node
  Tree& tree;

  // Grows the subtree of rows[lo, hi) at `depth`; returns its root.
  int32_t grow(int64_t* rows, int64_t lo, int64_t hi, int depth) {
    const int32_t id = tree.add(hi - lo);
    if (hi - lo < 2 || depth >= max_depth) return id;
    int32_t f = -1;
    float mn = 0, mx = 0;
    for (int64_t remaining = d; remaining > 0 && f < 0; --remaining) {
      const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(remaining)));
      const int32_t cand = features[j];
      std::swap(features[j], features[remaining - 1]);
      mn = mx = X[rows[lo] * d + cand];
      for (int64_t r = lo + 1; r < hi; ++r) {
        const float v = X[rows[r] * d + cand];
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      if (mx > mn) f = cand;
    }
    if (f < 0) return id;  // every feature constant over the node
    double thr = static_cast<double>(mn) + (static_cast<double>(mx) - mn) * rng.uniform();
    if (thr >= mx) thr = mn;  // rounding reached max: scikit-learn's fallback keeps both sides
    const int64_t mid =
        std::partition(rows + lo, rows + hi, [&](int64_t r) { return X[r * d + f] <= thr; }) - rows;
    tree.feature[id] = f;
    tree.threshold[id] = thr;
    const int32_t l = grow(rows, lo, mid, depth + 1);
    const int32_t r = grow(rows, mid, hi, depth + 1);
    tree.left[id] = l;
    tree.right[id] = r;
    return id;
  }
};

// ceil(log2(max(m, 2))): the smallest depth whose full tree has >= m leaves.
int max_depth_for(int64_t m) {
  int depth = 0;
  while ((int64_t{1} << depth) < std::max<int64_t>(m, 2)) ++depth;
  return depth;
}

Tree grow_tree(const float* X, int64_t n, int64_t d, int64_t m, uint64_t seed) {
  Rng rng(seed);
  std::vector<int64_t> rows = draw_rows(n, m, rng);
  Tree tree;
  Grower g{X, d, max_depth_for(m), rng, std::vector<int32_t>(static_cast<size_t>(d)), tree};
  for (int64_t j = 0; j < d; ++j) g.features[j] = static_cast<int32_t>(j);
  g.grow(rows.data(), 0, m, 0);
  return tree;
}

}  // namespace

double iforest_average_path_length(int64_t m) {
  if (m <= 1) return 0.0;
  if (m == 2) return 1.0;
  const double x = static_cast<double>(m);
  return 2.0 * (std::log(x - 1.0) + kEulerGamma) - 2.0 * (x - 1.0) / x;
}

IsolationForest IsolationForest::fit(const float* X, int64_t n, int64_t d,
                                     const IsolationForestOptions& opt) {
  if (n < 2) throw Error("isolation forest: needs at least 2 samples, got " + s(n));
  if (d < 1) throw Error("isolation forest: needs at least 1 feature, got " + s(d));
  if (!X) throw Error("isolation forest: no data");
  if (opt.n_estimators < 1)
    throw Error("isolation forest: n_estimators must be >= 1 (got " + s(opt.n_estimators) + ")");
  if (opt.max_samples < 2)
    throw Error("isolation forest: max_samples must be >= 2 (got " + s(opt.max_samples) + ")");
  if (d > std::numeric_limits<int32_t>::max())
    throw Error("isolation forest: too many features for int32 indices (" + s(d) + ")");
  const int64_t m = std::min(opt.max_samples, n);
  if (static_cast<double>(opt.n_estimators) * static_cast<double>(2 * m - 1) >
      static_cast<double>(std::numeric_limits<int32_t>::max()))
    throw Error("isolation forest: " + s(opt.n_estimators) + " trees of " + s(m) +
                " rows need more nodes than int32 indices hold");
  if (const int64_t bad = detail::first_nonfinite_row(X, n, d); bad < n)
    throw Error("isolation forest: row " + s(bad) + " has a NaN or infinity");

  Rng master(opt.seed);
  std::vector<uint64_t> seeds(static_cast<size_t>(opt.n_estimators));
  for (auto& sd : seeds) sd = master.next_u64();
  std::vector<Tree> trees(seeds.size());
  host::parallel_for_dynamic(0, opt.n_estimators, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) trees[t] = grow_tree(X, n, d, m, seeds[t]);
  });

  IsolationForest f;
  f.d = d;
  f.samples_per_tree = m;
  f.tree_start.push_back(0);
  for (const Tree& t : trees) {
    const int32_t base = static_cast<int32_t>(f.feature.size());
    for (size_t i = 0; i < t.feature.size(); ++i) {
      f.feature.push_back(t.feature[i]);
      f.threshold.push_back(t.threshold[i]);
      f.left.push_back(t.left[i] < 0 ? -1 : base + t.left[i]);
      f.right.push_back(t.right[i] < 0 ? -1 : base + t.right[i]);
      f.leaf_size.push_back(t.size[i]);
    }
    f.tree_start.push_back(static_cast<int64_t>(f.feature.size()));
  }
  return f;
}

namespace {

// Throws unless f is a forest whose walks are well defined and end (children point forward
// inside their own tree, features in range).
void check_forest(const IsolationForest& f) {
  const std::string p = "isolation forest: ";
  if (f.d < 1 || f.n_trees() < 1) throw Error(p + "score called before fit");
  if (f.samples_per_tree < 2)
    throw Error(p + "samples_per_tree must be >= 2 (got " + s(f.samples_per_tree) + ")");
  const size_t nodes = f.feature.size();
  if (f.threshold.size() != nodes || f.left.size() != nodes || f.right.size() != nodes ||
      f.leaf_size.size() != nodes || f.tree_start.front() != 0 ||
      f.tree_start.back() != static_cast<int64_t>(nodes) ||
      nodes > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw Error(p + "inconsistent array sizes in the fitted forest");
  for (int t = 0; t < f.n_trees(); ++t) {
    const int64_t lo = f.tree_start[t], hi = f.tree_start[t + 1];
    if (hi <= lo) throw Error(p + "tree " + s(t) + " has no nodes");
    for (int64_t i = lo; i < hi; ++i) {
      if (f.feature[i] < 0) continue;
      if (f.feature[i] >= f.d || f.left[i] <= i || f.left[i] >= hi || f.right[i] <= i ||
          f.right[i] >= hi)
        throw Error(p + "node " + s(i) + " of tree " + s(t) + " has a bad feature or child");
    }
  }
}

}  // namespace

std::vector<double> IsolationForest::score(const float* Y, int64_t m) const {
  check_forest(*this);
  if (m < 0) throw Error("isolation forest: negative row count");
  std::vector<double> out(static_cast<size_t>(m));
  if (m == 0) return out;
  if (!Y) throw Error("isolation forest: no data to score");
  if (const int64_t bad = detail::first_nonfinite_row(Y, m, d); bad < m)
    throw Error("isolation forest: row " + s(bad) + " to score has a NaN or infinity");

  // c(size) of every leaf, once.
  std::vector<double> leaf_c(feature.size(), 0.0);
  for (size_t i = 0; i < feature.size(); ++i)
    if (feature[i] < 0) leaf_c[i] = iforest_average_path_length(leaf_size[i]);
  const int trees = n_trees();
  const double norm = static_cast<double>(trees) * iforest_average_path_length(samples_per_tree);
  host::parallel_for(0, m, kScoreGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* y = Y + r * d;
      double total = 0.0;
      for (int t = 0; t < trees; ++t) {
        int64_t node = tree_start[t];
        int depth = 0;
        while (feature[node] >= 0) {
          node = y[feature[node]] <= threshold[node] ? left[node] : right[node];
          ++depth;
        }
        total += depth + leaf_c[node];
      }
      out[r] = std::exp2(-total / norm);
    }
  });
  return out;
}

}  // namespace hg::analysis
