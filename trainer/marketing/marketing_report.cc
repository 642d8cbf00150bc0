#include "trainer/marketing/marketing_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "trainer/marketing/csv_util.h"

namespace tailor {
namespace {

std::string Number(double v, int precision = 1) {
  return std::isnan(v) ? "n/a" : absl::StrFormat("%.*f", precision, v);
}

}  // namespace

std::string ItemLabel(const EntityColumns& items, int64_t item) {
  for (const char* name : {"title", "description", "name"}) {
    const auto& names = items.attribute_names;
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) continue;
    const std::string& text = items.attributes[item][it - names.begin()];
    if (!text.empty())
      return absl::StrCat(items.external_ids[item], " (", text, ")");
  }
  return items.external_ids[item];
}

std::vector<ReportSection> ProfileReportSections(const UserProfiles& p) {
  std::vector<ReportSection> out;
  std::vector<int64_t> stages(kLifecycleStageCount, 0),
      rfm(kRfmSegmentCount, 0);
  std::vector<std::vector<double>> rf(5, std::vector<double>(5, 0));
  std::vector<double> hours(24, 0), days(7, 0);
  int64_t active = 0;
  for (int64_t u = 0; u < p.size(); ++u) {
    ++stages[static_cast<int>(p.lifecycle[u])];
    ++rfm[static_cast<int>(p.rfm_segment[u])];
    if (p.r_score[u] > 0 && p.f_score[u] > 0) {
      rf[5 - p.r_score[u]][p.f_score[u] - 1] += 1;
    }
    if (p.events[u] > 0) ++active;
    for (int h = 0; h < 24; ++h) hours[h] += p.hour_histogram[u * 24 + h];
    for (int d = 0; d < 7; ++d) days[d] += p.dow_histogram[u * 7 + d];
  }
  std::string summary = absl::StrFormat(
      "<p>%d users, %d with events. Monetary value: %s. Interests over: %s. "
      "Dataset end time: %s.</p>",
      p.size(), active,
      p.has_monetary ? "sum of event amounts"
                     : "absent (the data has no amounts)",
      p.category_source.empty() ? "none (no category attribute)"
                                : EscapeHtml(p.category_source),
      p.has_timestamps ? absl::StrCat(FormatUtc(p.end_time), " UTC")
                       : "none (no timestamps)");
  out.push_back({"Overview", summary});
  std::vector<std::pair<std::string, double>> bars;
  for (int s = 0; s < kLifecycleStageCount; ++s) {
    if (stages[s] > 0) {
      bars.push_back(
          {std::string(LifecycleStageName(static_cast<LifecycleStage>(s))),
           static_cast<double>(stages[s])});
    }
  }
  out.push_back(
      {"Lifecycle stages", SvgBarChart("Users per lifecycle stage", bars)});
  bars.clear();
  for (int s = 0; s < kRfmSegmentCount; ++s) {
    if (rfm[s] > 0) {
      bars.push_back({std::string(RfmSegmentName(static_cast<RfmSegment>(s))),
                      static_cast<double>(rfm[s])});
    }
  }
  out.push_back(
      {"RFM distribution",
       SvgHeatmap("Users by recency score (rows) and frequency score (columns)",
                  {"R5", "R4", "R3", "R2", "R1"},
                  {"F1", "F2", "F3", "F4", "F5"}, rf) +
           SvgBarChart("Users per RFM segment", bars)});
  if (p.has_timestamps) {
    std::vector<std::pair<std::string, double>> h, d;
    for (int i = 0; i < 24; ++i)
      h.push_back({absl::StrFormat("%02d:00", i), hours[i]});
    const char* names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    for (int i = 0; i < 7; ++i) d.push_back({names[i], days[i]});
    out.push_back(
        {"Activity rhythm (UTC)", SvgBarChart("Events by hour of day", h) +
                                      SvgBarChart("Events by day of week", d)});
  }
  return out;
}

std::vector<ReportSection> SegmentReportSections(
    const std::string& kind, const std::vector<SegmentDescription>& segments,
    const EntityColumns& items) {
  std::vector<ReportSection> out;
  std::vector<std::pair<std::string, double>> sizes;
  std::vector<std::vector<std::string>> rows;
  std::string tops;
  for (const SegmentDescription& s : segments) {
    if (s.size == 0) continue;
    sizes.push_back({s.name, static_cast<double>(s.size)});
    std::vector<std::string> centroid, items_text;
    for (const auto& [name, v] : s.centroid) {
      centroid.push_back(absl::StrCat(name, " ", Number(v)));
    }
    for (const auto& [item, events] : s.top_items) {
      if (items_text.size() >= 5) break;
      items_text.push_back(absl::StrCat(ItemLabel(items, item), ": ", events));
    }
    rows.push_back({s.name, absl::StrCat(s.size),
                    absl::StrFormat("%.1f%%", 100 * s.share),
                    Number(s.mean_recency_days), Number(s.mean_frequency),
                    Number(s.mean_monetary, 2), absl::StrJoin(centroid, ", "),
                    absl::StrJoin(items_text, "; ")});
    if (!s.top_categories.empty()) {
      std::vector<std::pair<std::string, double>> cats;
      for (const auto& [name, share] : s.top_categories) {
        if (cats.size() >= 6) break;
        cats.push_back({name, 100 * share});
      }
      tops += SvgBarChart(
          absl::StrCat(s.name, ": top categories (% of events)"), cats, 1);
    }
  }
  out.push_back(
      {absl::StrCat(kind, " segment sizes"),
       SvgBarChart(absl::StrCat("Users per ", kind, " segment"), sizes)});
  out.push_back({absl::StrCat(kind, " segment descriptions"),
                 HtmlTable({"segment", "users", "share", "mean recency (days)",
                            "mean frequency", "mean monetary", "centroid",
                            "top items (events)"},
                           rows)});
  out.push_back(
      {absl::StrCat(kind, " top categories per segment"),
       tops.empty() ? "<p>No item categories in this dataset.</p>" : tops});
  return out;
}

}  // namespace tailor
