// In-memory datasets and the row-level operations the CLI applies before training
// (class filtering, truncation, validation split). Everything here copies: a Dataset owns its
// data and the results never alias the input.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hg::data {

// n samples of shape sample_shape, stored row-major in x (sample i occupies
// x[i*features(), (i+1)*features())). Images are {1,h,w} with pixels scaled to [0,1];
// tables are {d}. y holds one label per sample, or is empty when the source has none.
struct Dataset {
  std::string name;                   // e.g. "fashion-mnist/train", "synthetic", "csv:file.csv"
  int64_t n = 0;                      // number of samples
  std::vector<int64_t> sample_shape;  // {1,28,28} for images, {d} for tables
  std::vector<float> x;               // n * features(), row-major
  std::vector<int32_t> y;             // n labels, or empty
  std::vector<std::string> feature_names;  // tables only (CSV header minus label column)

  int64_t features() const;  // product of sample_shape (1 if empty)
  bool has_labels() const { return !y.empty(); }
};

// The given rows, in the given order (repeats allowed). Error on an out-of-range row.
Dataset select_rows(const Dataset& d, const std::vector<int64_t>& rows);

// Rows whose label is in `classes`, original order kept. Error naming `flag` when d has no
// labels or when no row is left.
Dataset filter_classes(const Dataset& d, const std::vector<int32_t>& classes,
                       const std::string& flag = "--classes");

// The first n rows; n >= d.n keeps all. n must be >= 0.
Dataset take_first(const Dataset& d, int64_t n);

// Seeded shuffled split into {train, val}: val has round(frac*n) rows, train the rest; each part
// keeps the original relative order of its rows. frac in [0,1) (else UsageError); 0 gives an
// empty val. Same (d, frac, seed) => same split. val is named "<name>/val".
std::pair<Dataset, Dataset> split_validation(const Dataset& d, double frac, uint64_t seed);

// "0-8", "0,3", "1-3,7" -> sorted unique class list. UsageError naming `flag` on bad syntax,
// negative numbers, reversed ranges or values beyond int32.
std::vector<int32_t> parse_class_list(const std::string& text, const std::string& flag);

}  // namespace hg::data
