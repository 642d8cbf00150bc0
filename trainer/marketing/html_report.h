#ifndef TAILOR_TRAINER_MARKETING_HTML_REPORT_H_
#define TAILOR_TRAINER_MARKETING_HTML_REPORT_H_

// A self-contained HTML report: inline CSS, charts as inline SVG, no
// scripts, no external resources, so it reads offline in any browser.
// Stateless functions; thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace tailor {

// &, <, >, " and ' escaped.
std::string EscapeHtml(absl::string_view text);

// Horizontal bar chart: one labelled bar per (label, value), value printed
// at the bar's end with `precision` decimals. Negative values draw as 0.
std::string SvgBarChart(absl::string_view title,
                        const std::vector<std::pair<std::string, double>>& bars,
                        int precision = 0);

// Heat map of `cells[row][column]` counts with row and column labels.
std::string SvgHeatmap(absl::string_view title,
                       const std::vector<std::string>& row_labels,
                       const std::vector<std::string>& column_labels,
                       const std::vector<std::vector<double>>& cells);

// A table; cells are escaped.
std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows);

struct ReportSection {
  std::string heading;
  std::string html;  // already-built markup (charts, tables, paragraphs)
};

// The whole document.
std::string HtmlPage(absl::string_view title,
                     const std::vector<ReportSection>& sections);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_HTML_REPORT_H_
