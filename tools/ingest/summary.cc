#include "tools/ingest/summary.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tailor {
namespace {

double LinesPerSecond(const IngestResult& r) {
  return r.phases.wall > 0 ? r.manifest.lines_read / r.phases.wall : 0;
}

void AppendRejects(const RejectLog& log, const char* title, std::string* out) {
  if (log.total() == 0) return;
  absl::StrAppend(out, title, "\n");
  for (const auto& [reason, rc] : log.reasons()) {
    absl::StrAppendFormat(out, "  %-24s %12d  (%s)\n", reason, rc.count,
                          rc.is_error ? "error" : "policy");
    for (const RejectExample& ex : rc.examples) {
      absl::StrAppend(out, "      e.g. ", RejectLog::Describe(reason, ex),
                      "\n");
    }
  }
}

}  // namespace

std::string IngestSummaryText(const IngestResult& r,
                              const std::string& output_dir) {
  const DatasetManifest& m = r.manifest;
  std::string out;
  absl::StrAppendFormat(&out, "dataset       %s\n", output_dir);
  if (!m.preset.empty())
    absl::StrAppendFormat(&out, "preset        %s\n", m.preset);
  for (const DatasetSource& s : m.sources) {
    absl::StrAppendFormat(
        &out, "input         %s (%s, %s): %d lines, %d accepted\n", s.path,
        s.role, s.compression, s.lines_read, s.accepted);
  }
  absl::StrAppendFormat(&out, "lines read    %d\n", m.lines_read);
  absl::StrAppendFormat(&out, "accepted      %d\n", m.accepted);
  absl::StrAppendFormat(&out, "rejected      %d\n", r.rejects.total());
  AppendRejects(r.rejects, "rejected by reason:", &out);
  AppendRejects(r.attribute_rejects, "attribute-file lines rejected:", &out);
  absl::StrAppendFormat(&out, "users         %d\n", m.users);
  absl::StrAppendFormat(&out, "items         %d\n", m.items);
  absl::StrAppendFormat(&out, "interactions  %d\n", m.interactions);
  absl::StrAppendFormat(&out, "partitions    %d user-major, %d item-major\n",
                        m.user_major.size(), m.item_major.size());
  if (m.has_timestamps) {
    absl::StrAppendFormat(
        &out, "time range    %s .. %s\n",
        absl::FormatTime("%Y-%m-%d %H:%M:%S",
                         absl::FromUnixSeconds(m.min_timestamp),
                         absl::UTCTimeZone()),
        absl::FormatTime("%Y-%m-%d %H:%M:%S",
                         absl::FromUnixSeconds(m.max_timestamp),
                         absl::UTCTimeZone()));
  }
  absl::StrAppendFormat(&out, "user keys     %s\n", m.user_key_hashing);
  for (const std::string& p : m.policy)
    absl::StrAppend(&out, "policy        ", p, "\n");
  for (const std::string& w : r.warnings)
    absl::StrAppend(&out, "warning       ", w, "\n");
  absl::StrAppendFormat(&out, "seconds       %.3f (CPU %.3f)\n", r.phases.wall,
                        r.phases.total);
  absl::StrAppendFormat(&out, "lines/s       %.0f\n", LinesPerSecond(r));
  return out;
}

std::string IngestSummaryJson(const IngestResult& r,
                              const std::string& output_dir) {
  const DatasetManifest& m = r.manifest;
  nlohmann::json j;
  j["command"] = "ingest";
  j["dataset"] = output_dir;
  j["preset"] = m.preset;
  j["lines_read"] = m.lines_read;
  j["accepted"] = m.accepted;
  j["rejected_total"] = r.rejects.total();
  j["rejected"] = nlohmann::json::object();
  for (const auto& [reason, rc] : r.rejects.reasons())
    j["rejected"][reason] = rc.count;
  j["attribute_lines_rejected"] = nlohmann::json::object();
  for (const auto& [reason, rc] : r.attribute_rejects.reasons()) {
    j["attribute_lines_rejected"][reason] = rc.count;
  }
  j["users"] = m.users;
  j["items"] = m.items;
  j["interactions"] = m.interactions;
  j["partitions"] = {{"user_major", m.user_major.size()},
                     {"item_major", m.item_major.size()}};
  j["seconds"] = r.phases.wall;
  j["cpu_seconds"] = r.phases.total;
  j["lines_per_second"] = LinesPerSecond(r);
  j["manifest"] = output_dir + "/manifest.json";
  return j.dump();
}

}  // namespace tailor
