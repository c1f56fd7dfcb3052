// Semantic hashing's retrieval side (seed 003): binary codes compared by Hamming distance, and the
// baseline they must beat, random-projection LSH with the same number of bits.
//   binarize_at_median: bit j of a row is code_j > the median of column j over the database rows,
//     so every bit splits the database in half (the most information a bit can carry).
//   lsh_bits: bit j is the sign of <x - mean, r_j> for Gaussian random directions r_j (Charikar's
//     SimHash), the mean taken over the database rows.
//   precision_at_k: for each query, the fraction of its k nearest database rows (Hamming distance)
//     that share its label, averaged over the queries; the rows tied at the k-th distance share the
//     remaining places equally (the expectation under random tie-breaking), so the database's
//     order cannot bias it.
// Codes are packed 64 bits per word, `words` words per row.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::analysis {

struct BinaryCodes {
  int bits = 0, words = 0;
  std::vector<uint64_t> data;  // [n, words]
  int64_t rows() const { return words ? static_cast<int64_t>(data.size()) / words : 0; }
};

// Thresholds (one per column) from the database rows db [n, d].
std::vector<float> column_medians(const float* db, int64_t n, int d);
BinaryCodes binarize(const float* x, int64_t n, int d, const std::vector<float>& thresholds);
// bits random directions (seeded) projected after centring on `mean` [d].
BinaryCodes lsh_bits(const float* x, int64_t n, int d, int bits, const std::vector<float>& mean,
                     uint64_t seed);
std::vector<float> column_means(const float* x, int64_t n, int d);

double precision_at_k(const BinaryCodes& queries, const std::vector<int32_t>& query_labels,
                      const BinaryCodes& db, const std::vector<int32_t>& db_labels, int k);

}  // namespace hg::analysis
