// Comparing a clustering with ground-truth classes: clustering accuracy (best one-to-one matching
// of clusters to classes), normalised mutual information and the adjusted Rand index, as
// scikit-learn defines them; and the Hungarian algorithm the accuracy uses.
// Labels are any int32 values (they need not be contiguous or start at 0). Every function throws
// hg::Error (one line) when the two labelings differ in length or are empty.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

// Minimum-cost assignment for the rows x cols matrix cost (row-major, finite entries): returns,
// for every row, its column, or -1 for the rows left out when rows > cols; every column gets at
// most one row and min(rows, cols) pairs are made, with the least total cost. A rectangular
// matrix is padded to a square one with zeros. O(max(rows, cols)^3) (the shortest augmenting
// path form of Kuhn-Munkres with row and column potentials). Throws hg::Error for negative
// sizes, a size mismatch, or a NaN / infinity.
std::vector<int> hungarian(const std::vector<double>& cost, int rows, int cols);

// Fraction of samples whose predicted cluster is matched to their class, under the one-to-one
// matching of clusters to classes that maximises that fraction (Hungarian algorithm on the
// contingency table; when the numbers of clusters and classes differ, the surplus ones stay
// unmatched and their samples count as errors). In [0, 1]; 1 iff pred equals truth up to a
// renaming of the labels.
double clustering_accuracy(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred);

// Normalised mutual information with the arithmetic mean of the two entropies as the normaliser
// (scikit-learn's default): MI / max((H(truth) + H(pred)) / 2, DBL_EPSILON), natural logarithms;
// 1 when both labelings put everything in one cluster.
double nmi(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred);

// Adjusted Rand index (Hubert & Arabie): 1 for identical partitions, about 0 for independent
// ones, can be negative. Pair counts are exact integers (int64 counts, 128-bit products); the one
// division is in double. 1 when the two partitions agree on every pair (e.g. both all singletons).
double ari(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred);

}  // namespace hg::analysis
