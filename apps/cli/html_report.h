// A self-contained HTML page (pictures inlined as base64 data URIs) built section by section:
// what `hourglass demo` writes as report.html.
#pragma once
#include <string>
#include <vector>

namespace hg::cli {

class HtmlReport {
 public:
  explicit HtmlReport(std::string title);
  void heading(const std::string& text);
  void paragraph(const std::string& text);  // escaped
  // A table: the first row is the header. Cells are escaped.
  void table(const std::vector<std::vector<std::string>>& rows);
  // A PNG or SVG file inlined (a missing file becomes a note, not an error).
  void image(const std::string& path, const std::string& caption);
  std::string html() const;
  void write(const std::string& path) const;  // atomically

 private:
  std::string title_, body_;
};

std::string base64(const std::string& bytes);
std::string html_escape(const std::string& s);

}  // namespace hg::cli
