#include "apps/analysis/hashing.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

#include "engine/host/parallel.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::analysis {

namespace {

BinaryCodes empty_codes(int64_t n, int bits) {
  BinaryCodes c;
  c.bits = bits;
  c.words = (bits + 63) / 64;
  c.data.assign(static_cast<size_t>(n * c.words), 0);
  return c;
}

void set_bit(BinaryCodes& c, int64_t row, int j) {
  c.data[static_cast<size_t>(row * c.words + j / 64)] |= uint64_t{1} << (j % 64);
}

}  // namespace

std::vector<float> column_medians(const float* db, int64_t n, int d) {
  if (n < 1) throw Error("hashing: no database rows");
  std::vector<float> med(static_cast<size_t>(d)), col(static_cast<size_t>(n));
  for (int j = 0; j < d; ++j) {
    for (int64_t i = 0; i < n; ++i) col[static_cast<size_t>(i)] = db[i * d + j];
    std::nth_element(col.begin(), col.begin() + n / 2, col.end());
    med[static_cast<size_t>(j)] = col[static_cast<size_t>(n / 2)];
  }
  return med;
}

std::vector<float> column_means(const float* x, int64_t n, int d) {
  std::vector<double> s(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) s[j] += x[i * d + j];
  std::vector<float> m(static_cast<size_t>(d));
  for (int j = 0; j < d; ++j) m[j] = static_cast<float>(s[j] / static_cast<double>(n));
  return m;
}

BinaryCodes binarize(const float* x, int64_t n, int d, const std::vector<float>& thresholds) {
  BinaryCodes c = empty_codes(n, d);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j)
      if (x[i * d + j] > thresholds[static_cast<size_t>(j)]) set_bit(c, i, j);
  return c;
}

BinaryCodes lsh_bits(const float* x, int64_t n, int d, int bits, const std::vector<float>& mean,
                     uint64_t seed) {
  if (bits < 1) throw Error("hashing: LSH needs at least 1 bit");
  Rng rng(seed);
  std::vector<float> r(static_cast<size_t>(bits) * d);
  for (float& v : r) v = static_cast<float>(rng.normal());
  BinaryCodes c = empty_codes(n, bits);
  for (int64_t i = 0; i < n; ++i)
    for (int b = 0; b < bits; ++b) {
      double dot = 0;
      for (int j = 0; j < d; ++j)
        dot += (x[i * d + j] - mean[j]) * r[static_cast<size_t>(b) * d + j];
      if (dot > 0) set_bit(c, i, b);
    }
  return c;
}

double precision_at_k(const BinaryCodes& queries, const std::vector<int32_t>& query_labels,
                      const BinaryCodes& db, const std::vector<int32_t>& db_labels, int k) {
  const int64_t nq = queries.rows(), nd = db.rows();
  if (queries.words != db.words) throw Error("hashing: queries and database differ in bits");
  if (k < 1 || k > nd)
    throw Error("hashing: k = " + std::to_string(k) + " must be in [1, " + std::to_string(nd) +
                "] (the database rows)");
  std::vector<double> per(static_cast<size_t>(nq), 0.0);
  host::parallel_for(0, nq, 1, [&](int64_t lo, int64_t hi) {
    std::vector<std::pair<int, int64_t>> dist(static_cast<size_t>(nd));
    for (int64_t q = lo; q < hi; ++q) {
      const uint64_t* a = queries.data.data() + q * queries.words;
      for (int64_t i = 0; i < nd; ++i) {
        const uint64_t* b = db.data.data() + i * db.words;
        int h = 0;
        for (int w = 0; w < db.words; ++w) h += std::popcount(a[w] ^ b[w]);
        dist[static_cast<size_t>(i)] = {h, i};
      }
      // The k-th smallest distance; rows tied at it share the remaining places equally (the
      // expectation under random tie-breaking), so the database's order cannot bias the result.
      std::nth_element(dist.begin(), dist.begin() + (k - 1), dist.end());
      const int kth = dist[k - 1].first;
      double less = 0, same_less = 0, tied = 0, same_tied = 0;
      for (const auto& [h, i] : dist) {
        const bool same = db_labels[i] == query_labels[q];
        if (h < kth) less += 1, same_less += same;
        if (h == kth) tied += 1, same_tied += same;
      }
      per[static_cast<size_t>(q)] = (same_less + (k - less) * same_tied / tied) / k;
    }
  });
  return std::accumulate(per.begin(), per.end(), 0.0) /
         static_cast<double>(std::max<int64_t>(nq, 1));
}

}  // namespace hg::analysis
