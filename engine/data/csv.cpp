#include "engine/data/csv.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

namespace hg::data {
namespace {

// Splits the file text into records of cells, tracking the 1-based line each record starts on.
class CsvReader {
 public:
  CsvReader(const std::string& path, const std::string& text) : path_(path), s_(text) {}

  // False at end of input. Trailing blank lines are consumed here; an interior blank line is
  // returned as a record with one empty cell (so it fails the cell-count check with its line).
  bool next(std::vector<std::string>& cells, int64_t& line) {
    size_t probe = pos_;  // everything left is blank -> end
    while (probe < s_.size() &&
           (s_[probe] == '\n' || s_[probe] == '\r' || s_[probe] == ' ' || s_[probe] == '\t'))
      ++probe;
    if (probe >= s_.size()) return false;
    cells.clear();
    line = line_;
    std::string cell;
    bool quoted_cell = false;
    while (true) {
      if (pos_ >= s_.size() || s_[pos_] == '\n' || s_[pos_] == '\r') {
        cells.push_back(finish(cell, quoted_cell));
        if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
        ++line_;
        return true;
      }
      const char c = s_[pos_];
      if (c == ',') {
        cells.push_back(finish(cell, quoted_cell));
        cell.clear();
        quoted_cell = false;
        ++pos_;
      } else if (c == '"' && trim(cell).empty() && !quoted_cell) {
        read_quoted(cell);
        quoted_cell = true;
      } else {
        if (quoted_cell && c != ' ' && c != '\t')
          throw Error(path_ + ":" + std::to_string(line_) + ": text after a closing quote");
        cell.push_back(c);
        ++pos_;
      }
    }
  }

 private:
  static std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
  }
  std::string finish(const std::string& cell, bool quoted) { return quoted ? cell : trim(cell); }

  // At an opening quote: replaces cell with the quoted content; may span lines.
  void read_quoted(std::string& cell) {
    const int64_t start_line = line_;
    cell.clear();
    ++pos_;
    while (true) {
      if (pos_ >= s_.size())
        throw Error(path_ + ":" + std::to_string(start_line) + ": unterminated quoted cell");
      const char c = s_[pos_++];
      if (c == '"') {
        if (pos_ < s_.size() && s_[pos_] == '"') {
          cell.push_back('"');
          ++pos_;
        } else {
          return;
        }
      } else {
        if (c == '\n') ++line_;
        cell.push_back(c);
      }
    }
  }

  const std::string& path_;
  const std::string& s_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

bool parse_float(const std::string& cell, float& out) {
  const char* b = cell.data();
  const char* e = b + cell.size();
  if (b != e && *b == '+') ++b;  // from_chars rejects a leading '+', people write it
  if (b == e) return false;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(b, e, v);
  // Reject what would round to float infinity: FLT_MAX plus half an ulp and beyond.
  if (ec != std::errc() || ptr != e || !std::isfinite(v) || std::fabs(v) >= 3.4028235677973366e38)
    return false;
  out = static_cast<float>(v);
  return true;
}

bool parse_label(const std::string& cell, int32_t& out) {
  const char* b = cell.data();
  const char* e = b + cell.size();
  if (b != e && *b == '+') ++b;
  if (b == e) return false;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec == std::errc() && ptr == e) {
    if (v < INT32_MIN || v > INT32_MAX) return false;
    out = static_cast<int32_t>(v);
    return true;
  }
  // Accept integral floats ("3.0"), as numpy-written tables often contain.
  double d = 0;
  auto [p2, ec2] = std::from_chars(b, e, d);
  if (ec2 != std::errc() || p2 != e || !std::isfinite(d) || d != std::floor(d) || d < INT32_MIN ||
      d > INT32_MAX)
    return false;
  out = static_cast<int32_t>(d);
  return true;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: " + errno_text(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path + ": read error");
  return ss.str();
}

std::string quote_if_needed(const std::string& s) {
  // Quote cells the reader would otherwise split or trim.
  const bool padded =
      !s.empty() && (s.front() == ' ' || s.back() == ' ' || s.front() == '\t' || s.back() == '\t');
  if (s.find_first_of(",\"\r\n") == std::string::npos && !padded) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  return q + "\"";
}

}  // namespace

Dataset load_csv(const std::string& path, const std::string& label_column) {
  const std::string text = read_all(path);
  CsvReader reader(path, text);
  std::vector<std::string> header, cells;
  int64_t line = 0;
  if (!reader.next(header, line)) throw Error(path + ": empty file (expected a header row)");
  if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0].erase(0, 3);  // BOM

  int64_t label_col = -1;
  if (!label_column.empty()) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == label_column) label_col = static_cast<int64_t>(i);
    if (label_col < 0) {
      std::string cols;
      for (size_t i = 0; i < header.size() && i < 10; ++i) cols += (i ? ", " : "") + header[i];
      if (header.size() > 10) cols += ", ... (" + std::to_string(header.size()) + " in all)";
      throw Error(path + ": no column '" + label_column + "' (columns: " + cols + ")");
    }
  }

  Dataset d;
  d.name = "csv:" + path;
  for (size_t i = 0; i < header.size(); ++i)
    if (static_cast<int64_t>(i) != label_col) d.feature_names.push_back(header[i]);
  const int64_t width = static_cast<int64_t>(d.feature_names.size());
  if (width == 0) throw Error(path + ": no feature columns besides the label column");
  d.sample_shape = {width};

  while (reader.next(cells, line)) {
    if (cells.size() != header.size())
      throw Error(path + ":" + std::to_string(line) + ": expected " +
                  std::to_string(header.size()) + " cells, found " + std::to_string(cells.size()));
    for (size_t c = 0; c < cells.size(); ++c) {
      const auto where = path + ":" + std::to_string(line) + ":" + std::to_string(c + 1) + ": ";
      if (static_cast<int64_t>(c) == label_col) {
        int32_t v;
        if (!parse_label(cells[c], v))
          throw Error(where + "bad label '" + cells[c] + "' in column '" + header[c] +
                      "' (expected an integer)");
        d.y.push_back(v);
      } else {
        float v;
        if (!parse_float(cells[c], v))
          throw Error(where + "bad value '" + cells[c] + "' in column '" + header[c] + "'");
        d.x.push_back(v);
      }
    }
    ++d.n;
  }
  if (d.n == 0) throw Error(path + ": no data rows after the header");
  return d;
}

void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<float>& rows_major, int64_t rows,
               const std::vector<int32_t>* labels) {
  const size_t d = header.size();
  HG_CHECK(rows >= 0 && rows_major.size() == static_cast<size_t>(rows) * d,
           "write_csv: data size does not match rows x header");
  HG_CHECK(!labels || labels->size() == static_cast<size_t>(rows),
           "write_csv: label count != rows");
  std::string out;
  for (size_t j = 0; j < d; ++j) out += (j ? "," : "") + quote_if_needed(header[j]);
  if (labels) out += std::string(d ? "," : "") + "label";
  out += '\n';
  char buf[64];
  for (int64_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < d; ++j) {
      if (j) out += ',';
      const auto r = std::to_chars(buf, buf + sizeof buf, rows_major[i * d + j]);
      out.append(buf, r.ptr);
    }
    if (labels) out += std::string(d ? "," : "") + std::to_string((*labels)[i]);
    out += '\n';
  }
  io::write_file_atomic(path, out);
}

}  // namespace hg::data
