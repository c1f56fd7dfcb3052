// Clustering metrics (see cluster_metrics.h).
//
// The contingency table is built sparsely (sorting the (class, cluster) pairs), so NMI and ARI
// cost O(n log n) whatever the numbers of labels; only the accuracy needs the dense table, for
// the Hungarian algorithm.
// Hungarian algorithm: rows are added one at a time; for each, a shortest augmenting path in the
// reduced costs c(i, j) - u(i) - v(j) is grown Dijkstra-style over the columns (minv[j] = the
// smallest reduced cost reaching column j so far), the potentials are shifted by the smallest
// slack at every step so the reduced costs stay >= 0 and tight on the tree, and the path is
// flipped when it reaches a free column. O(K^2) per row, O(K^3) in all for a K x K matrix.
#include "apps/analysis/cluster_metrics.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

#include "engine/util/error.h"

namespace hg::analysis {
namespace {

std::string s(int64_t v) { return std::to_string(v); }

// Label values -> 0..L-1 in increasing order of value.
std::vector<int32_t> dense_codes(const std::vector<int32_t>& labels, int* L) {
  std::vector<int32_t> uniq(labels);
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  std::vector<int32_t> code(labels.size());
  for (size_t i = 0; i < labels.size(); ++i)
    code[i] =
        static_cast<int32_t>(std::lower_bound(uniq.begin(), uniq.end(), labels[i]) - uniq.begin());
  *L = static_cast<int>(uniq.size());
  return code;
}

struct Cell {
  int r, c;
  int64_t count;
};

struct Contingency {
  int R = 0, C = 0;  // classes (truth), clusters (pred)
  int64_t n = 0;
  std::vector<int64_t> a;   // [R] class sizes
  std::vector<int64_t> b;   // [C] cluster sizes
  std::vector<Cell> cells;  // the non-zero entries, ordered by (r, c)
};

Contingency contingency(const char* who, const std::vector<int32_t>& truth,
                        const std::vector<int32_t>& pred) {
  if (truth.size() != pred.size())
    throw Error(std::string(who) + ": " + s(static_cast<int64_t>(truth.size())) +
                " true labels but " + s(static_cast<int64_t>(pred.size())) + " predicted");
  if (truth.empty()) throw Error(std::string(who) + ": empty labelings");
  Contingency t;
  const std::vector<int32_t> r = dense_codes(truth, &t.R);
  const std::vector<int32_t> c = dense_codes(pred, &t.C);
  t.n = static_cast<int64_t>(truth.size());
  t.a.assign(static_cast<size_t>(t.R), 0);
  t.b.assign(static_cast<size_t>(t.C), 0);
  std::vector<int64_t> keys(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    ++t.a[r[i]];
    ++t.b[c[i]];
    keys[i] = static_cast<int64_t>(r[i]) * t.C + c[i];
  }
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < keys.size();) {
    size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    t.cells.push_back({static_cast<int>(keys[i] / t.C), static_cast<int>(keys[i] % t.C),
                       static_cast<int64_t>(j - i)});
    i = j;
  }
  return t;
}

// -sum p log p of the counts (natural log), as scikit-learn's entropy().
double entropy(const std::vector<int64_t>& counts, int64_t n) {
  const double logn = std::log(static_cast<double>(n));
  double h = 0.0;
  for (int64_t c : counts)
    if (c > 0) h -= (static_cast<double>(c) / n) * (std::log(static_cast<double>(c)) - logn);
  return h;
}

}  // namespace

std::vector<int> hungarian(const std::vector<double>& cost, int rows, int cols) {
  if (rows < 0 || cols < 0) throw Error("hungarian: negative size " + s(rows) + " x " + s(cols));
  if (static_cast<int64_t>(cost.size()) != static_cast<int64_t>(rows) * cols)
    throw Error("hungarian: " + s(static_cast<int64_t>(cost.size())) + " costs for a " + s(rows) +
                " x " + s(cols) + " matrix");
  for (size_t t = 0; t < cost.size(); ++t)
    if (!std::isfinite(cost[t]))
      throw Error("hungarian: cost (" + s(static_cast<int64_t>(t) / cols) + ", " +
                  s(static_cast<int64_t>(t) % cols) + ") is not finite");
  std::vector<int> out(static_cast<size_t>(rows), -1);
  if (rows == 0 || cols == 0) return out;

  const int K = std::max(rows, cols);  // padded to K x K with zeros
  auto c = [&](int i, int j) {         // 1-based
    return (i <= rows && j <= cols) ? cost[static_cast<size_t>(i - 1) * cols + (j - 1)] : 0.0;
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(K + 1, 0.0), v(K + 1, 0.0), minv(K + 1);
  std::vector<int> match(K + 1, 0);  // match[j] = row on column j (0: free); column 0 is the root
  std::vector<int> way(K + 1, 0);
  std::vector<char> used(K + 1);
  for (int i = 1; i <= K; ++i) {
    match[0] = i;
    int j0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const int i0 = match[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= K; ++j) {
        if (used[j]) continue;
        const double cur = c(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= K; ++j) {
        if (used[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (match[j0] != 0);
    do {  // flip the augmenting path
      const int j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  for (int j = 1; j <= cols; ++j)
    if (match[j] >= 1 && match[j] <= rows) out[match[j] - 1] = j - 1;
  return out;
}

double clustering_accuracy(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred) {
  const Contingency t = contingency("clustering_accuracy", truth, pred);
  // Rows: clusters, columns: classes; maximising matched counts = minimising their negation.
  std::vector<double> cost(static_cast<size_t>(t.C) * t.R, 0.0);
  for (const Cell& e : t.cells) cost[static_cast<size_t>(e.c) * t.R + e.r] = -double(e.count);
  const std::vector<int> m = hungarian(cost, t.C, t.R);
  int64_t hit = 0;
  for (const Cell& e : t.cells)
    if (m[e.c] == e.r) hit += e.count;
  return static_cast<double>(hit) / static_cast<double>(t.n);
}

double nmi(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred) {
  const Contingency t = contingency("nmi", truth, pred);
  if (t.R == 1 && t.C == 1) return 1.0;  // neither labeling splits the data: a perfect match
  const double n = static_cast<double>(t.n), logn = std::log(n);
  double mi = 0.0;
  for (const Cell& e : t.cells) {
    const double p = static_cast<double>(e.count) / n;
    // p * log(p / (p_r p_c)) = p * (log count + log n - log a_r - log b_c)
    const double outer = static_cast<double>(t.a[e.r]) * static_cast<double>(t.b[e.c]);
    mi += p * (std::log(static_cast<double>(e.count)) + logn - std::log(outer));
  }
  mi = std::max(mi, 0.0);
  const double h = 0.5 * (entropy(t.a, t.n) + entropy(t.b, t.n));
  return mi / std::max(h, DBL_EPSILON);
}

double ari(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred) {
  const Contingency t = contingency("ari", truth, pred);
  // Ordered pair counts (scikit-learn's pair_confusion_matrix): pairs together in both (tp),
  // together only in pred (fp), only in truth (fn), apart in both (tn).
  using i128 = __int128;
  const i128 n = t.n;
  i128 sq = 0, sa = 0, sb = 0;
  for (const Cell& e : t.cells) sq += static_cast<i128>(e.count) * e.count;
  for (int64_t x : t.a) sa += static_cast<i128>(x) * x;
  for (int64_t x : t.b) sb += static_cast<i128>(x) * x;
  const i128 tp = sq - n, fp = sb - sq, fn = sa - sq, tn = n * n - fp - fn - sq;
  if (fp == 0 && fn == 0) return 1.0;
  const i128 num = 2 * (tp * tn - fn * fp);
  const i128 den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace hg::analysis
