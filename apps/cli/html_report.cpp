#include "apps/cli/html_report.h"

#include <filesystem>

#include "engine/io/atomic_file.h"

namespace hg::cli {

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v =
        (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out += t[v >> 18], out += t[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += '=';
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

HtmlReport::HtmlReport(std::string title) : title_(std::move(title)) {}

void HtmlReport::heading(const std::string& text) {
  body_ += "<h2>" + html_escape(text) + "</h2>\n";
}
void HtmlReport::paragraph(const std::string& text) {
  body_ += "<p>" + html_escape(text) + "</p>\n";
}

void HtmlReport::table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  body_ += "<table>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    body_ += "<tr>";
    for (const std::string& c : rows[r])
      body_ += (r ? "<td>" : "<th>") + html_escape(c) + (r ? "</td>" : "</th>");
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
}

void HtmlReport::image(const std::string& path, const std::string& caption) {
  if (!std::filesystem::exists(path)) {
    paragraph("(" + caption + ": not produced)");
    return;
  }
  const bool svg = path.size() > 4 && path.compare(path.size() - 4, 4, ".svg") == 0;
  body_ += "<figure><img alt=\"" + html_escape(caption) +
           "\" src=\"data:" + (svg ? "image/svg+xml" : "image/png") + ";base64," +
           base64(io::read_file(path)) + "\"><figcaption>" + html_escape(caption) +
           "</figcaption></figure>\n";
}

std::string HtmlReport::html() const {
  return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(title_) +
         "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px "
         "10px;text-align:right}"
         "th{background:#f3f3f3}figure{margin:1em "
         "0}img{max-width:100%}figcaption{color:#555;font-size:90%}</style>"
         "</head><body>\n<h1>" +
         html_escape(title_) + "</h1>\n" + body_ + "</body></html>\n";
}

void HtmlReport::write(const std::string& path) const { io::write_file_atomic(path, html()); }

}  // namespace hg::cli
