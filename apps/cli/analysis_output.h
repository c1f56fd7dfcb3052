// Tables and scatter plots the analysis commands write.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hg::cli {

// CSV with columns <prefix>0 .. <prefix>{cols-1} (or just <prefix> when cols == 1) and a
// "label" column when labels are given; or a .npy of the values alone (by extension). Atomic.
void write_table(const std::string& path, const std::vector<float>& values, int64_t rows,
                 int64_t cols, const std::string& prefix, const std::vector<int32_t>& labels);

// A PNG/SVG (by extension) scatter of the first two columns of points [n, dims], one colour per
// label (one grey series without labels).
void write_scatter(const std::string& path, const std::vector<float>& points, int64_t n,
                   int64_t dims, const std::vector<int32_t>& labels, const std::string& title);

}  // namespace hg::cli
