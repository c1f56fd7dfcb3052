#include "apps/cli/analysis_output.h"

#include <map>
#include <sstream>

#include "apps/report/chart.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/util/error.h"

namespace hg::cli {

void write_table(const std::string& path, const std::vector<float>& values, int64_t rows,
                 int64_t cols, const std::string& prefix, const std::vector<int32_t>& labels) {
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0) {
    io::write_npy(path, values, rows, cols);
    return;
  }
  std::ostringstream s;
  s.precision(9);
  for (int64_t j = 0; j < cols; ++j)
    s << (j ? "," : "") << prefix << (cols > 1 ? std::to_string(j) : "");
  if (!labels.empty()) s << ",label";
  s << "\n";
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j)
      s << (j ? "," : "") << values[static_cast<size_t>(i * cols + j)];
    if (!labels.empty()) s << "," << labels[static_cast<size_t>(i)];
    s << "\n";
  }
  io::write_file_atomic(path, s.str());
}

void write_scatter(const std::string& path, const std::vector<float>& points, int64_t n,
                   int64_t dims, const std::vector<int32_t>& labels, const std::string& title) {
  if (dims < 2) throw Error(path + ": a scatter needs two coordinates per point");
  report::Chart c;
  c.title = title;
  c.xlabel = "dimension 1";
  c.ylabel = "dimension 2";
  c.width = 800, c.height = 700;
  std::map<int32_t, report::Series> by;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t l = labels.empty() ? 0 : labels[static_cast<size_t>(i)];
    report::Series& s = by[l];
    s.kind = report::Series::Kind::Scatter;
    s.width = 2.0f;
    if (s.label.empty()) s.label = labels.empty() ? "" : std::to_string(l);
    if (labels.empty()) s.rgb = 0x606060;
    s.x.push_back(points[static_cast<size_t>(i * dims)]);
    s.y.push_back(points[static_cast<size_t>(i * dims + 1)]);
  }
  for (auto& [l, s] : by) c.series.push_back(std::move(s));
  report::write_chart(c, path);
}

}  // namespace hg::cli
