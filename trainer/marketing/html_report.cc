#include "trainer/marketing/html_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tailor {
namespace {

constexpr const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                   "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                   "#9c755f", "#bab0ac"};

}  // namespace

std::string EscapeHtml(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string SvgBarChart(absl::string_view title,
                        const std::vector<std::pair<std::string, double>>& bars,
                        int precision) {
  const int label_w = 200, bar_w = 420, row_h = 22, top = 28;
  const int height = top + row_h * static_cast<int>(bars.size()) + 8;
  double max = 0;
  for (const auto& b : bars) max = std::max(max, b.second);
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
      "height=\"%d\" role=\"img\" aria-label=\"%s\">"
      "<text x=\"0\" y=\"18\" class=\"title\">%s</text>",
      label_w + bar_w + 90, height, EscapeHtml(title), EscapeHtml(title));
  for (size_t i = 0; i < bars.size(); ++i) {
    const double v = std::max(0.0, bars[i].second);
    const double w = max > 0 ? bar_w * v / max : 0;
    const int y = top + row_h * static_cast<int>(i);
    absl::StrAppendFormat(
        &svg,
        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
        "<text x=\"%.1f\" y=\"%d\">%s</text>",
        label_w - 6, y + 15, EscapeHtml(bars[i].first), label_w, y + 3, w,
        row_h - 6, kColors[i % 10], label_w + w + 4, y + 15,
        absl::StrFormat("%.*f", precision, bars[i].second));
  }
  svg += "</svg>";
  return svg;
}

std::string SvgHeatmap(absl::string_view title,
                       const std::vector<std::string>& row_labels,
                       const std::vector<std::string>& column_labels,
                       const std::vector<std::vector<double>>& cells) {
  const int cell = 44, left = 90, top = 48;
  double max = 0;
  for (const auto& r : cells) {
    for (double v : r) max = std::max(max, v);
  }
  const int width =
      std::max(left + cell * static_cast<int>(column_labels.size()) + 10,
               8 * static_cast<int>(title.size()));
  const int height = top + cell * static_cast<int>(row_labels.size()) + 10;
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
      "height=\"%d\" role=\"img\" aria-label=\"%s\">"
      "<text x=\"0\" y=\"18\" class=\"title\">%s</text>",
      width, height, EscapeHtml(title), EscapeHtml(title));
  for (size_t c = 0; c < column_labels.size(); ++c) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s"
                          "</text>",
                          left + cell * static_cast<int>(c) + cell / 2, top - 8,
                          EscapeHtml(column_labels[c]));
  }
  for (size_t r = 0; r < row_labels.size(); ++r) {
    const int y = top + cell * static_cast<int>(r);
    absl::StrAppendFormat(
        &svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", left - 6,
        y + cell / 2 + 5, EscapeHtml(row_labels[r]));
    for (size_t c = 0; c < column_labels.size(); ++c) {
      const double v = c < cells[r].size() ? cells[r][c] : 0;
      const double t = max > 0 ? v / max : 0;
      const int shade = static_cast<int>(std::lround(245 - 180 * t));
      absl::StrAppendFormat(
          &svg,
          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
          "fill=\"rgb(%d,%d,255)\" stroke=\"#fff\"/>"
          "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f</text>",
          left + cell * static_cast<int>(c), y, cell, cell, shade, shade,
          left + cell * static_cast<int>(c) + cell / 2, y + cell / 2 + 5, v);
    }
  }
  svg += "</svg>";
  return svg;
}

std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  std::string html = "<table><tr>";
  for (const auto& h : header)
    absl::StrAppend(&html, "<th>", EscapeHtml(h), "</th>");
  html += "</tr>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const auto& c : row)
      absl::StrAppend(&html, "<td>", EscapeHtml(c), "</td>");
    html += "</tr>";
  }
  html += "</table>";
  return html;
}

std::string HtmlPage(absl::string_view title,
                     const std::vector<ReportSection>& sections) {
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>",
      EscapeHtml(title),
      "</title><style>body{font-family:sans-serif;margin:24px;color:#222}"
      "svg.chart{display:block;margin:12px 0}svg text{font-size:12px}"
      "svg text.title{font-size:14px;font-weight:bold}"
      "table{border-collapse:collapse;margin:8px 0;font-size:13px}"
      "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
      "th{background:#f0f0f0}</style></head><body><h1>",
      EscapeHtml(title), "</h1>\n");
  for (const auto& s : sections) {
    absl::StrAppend(&html, "<section><h2>", EscapeHtml(s.heading), "</h2>\n",
                    s.html, "\n</section>\n");
  }
  html += "</body></html>\n";
  return html;
}

}  // namespace tailor
