#include "trainer/marketing/profile_io.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/artifacts/string_table.h"
#include "core/status_macros.h"
#include "trainer/marketing/csv_util.h"

namespace tailor {
namespace {

enum : uint32_t {
  kMeta = 1,
  kKeys,
  kEvents,
  kFrequency,
  kDistinctItems,
  kFirstTime,
  kLastTime,
  kRecency,
  kTenure,
  kMonetary,
  kScores,
  kRfmSegment,
  kLifecycle,
  kInterestIndptr,
  kInterestCategory,
  kInterestShare,
  kTopIndptr,
  kTopKey,
  kTopEvents,
  kHours,
  kDays,
  kStringOffsets,
  kStringBytes,
};

}  // namespace

absl::Status WriteProfiles(FileSystem* fs, const std::string& path,
                           const UserProfiles& p) {
  const int64_t n = p.size();
  const std::vector<int64_t> meta = {
      n,
      p.has_timestamps,
      p.has_monetary,
      p.end_time,
      static_cast<int64_t>(p.demographic_names.size()),
      static_cast<int64_t>(p.category_names.size()),
      p.loyal_threshold};
  std::vector<uint8_t> scores(n * 3), rfm(n), stage(n);
  for (int64_t u = 0; u < n; ++u) {
    scores[u * 3] = p.r_score[u];
    scores[u * 3 + 1] = p.f_score[u];
    scores[u * 3 + 2] = p.m_score[u];
    rfm[u] = static_cast<uint8_t>(p.rfm_segment[u]);
    stage[u] = static_cast<uint8_t>(p.lifecycle[u]);
  }
  StringTable strings;
  for (const auto& id : p.external_ids) strings.Add(id);
  for (const auto& name : p.demographic_names) strings.Add(name);
  for (const auto& row : p.demographics) {
    for (const auto& v : row) strings.Add(v);
  }
  for (const auto& name : p.category_names) strings.Add(name);
  strings.Add(p.category_source);
  FormatWriter w(kProfilesFileType);
  w.AddSection<int64_t>(kMeta, "meta", meta);
  w.AddSection<uint64_t>(kKeys, "keys", p.keys);
  w.AddSection<int64_t>(kEvents, "events", p.events);
  w.AddSection<int64_t>(kFrequency, "frequency", p.frequency);
  w.AddSection<int64_t>(kDistinctItems, "distinct_items", p.distinct_items);
  w.AddSection<int64_t>(kFirstTime, "first_time", p.first_time);
  w.AddSection<int64_t>(kLastTime, "last_time", p.last_time);
  w.AddSection<double>(kRecency, "recency_days", p.recency_days);
  w.AddSection<double>(kTenure, "tenure_days", p.tenure_days);
  w.AddSection<double>(kMonetary, "monetary", p.monetary);
  w.AddSection<uint8_t>(kScores, "rfm_scores", scores);
  w.AddSection<uint8_t>(kRfmSegment, "rfm_segment", rfm);
  w.AddSection<uint8_t>(kLifecycle, "lifecycle", stage);
  w.AddSection<int64_t>(kInterestIndptr, "interest_indptr", p.interest_indptr);
  w.AddSection<uint32_t>(kInterestCategory, "interest_cat",
                         p.interest_category);
  w.AddSection<float>(kInterestShare, "interest_share", p.interest_share);
  w.AddSection<int64_t>(kTopIndptr, "top_indptr", p.top_item_indptr);
  w.AddSection<uint64_t>(kTopKey, "top_item_key", p.top_item_key);
  w.AddSection<uint32_t>(kTopEvents, "top_item_events", p.top_item_events);
  w.AddSection<uint32_t>(kHours, "hour_histogram", p.hour_histogram);
  w.AddSection<uint32_t>(kDays, "dow_histogram", p.dow_histogram);
  w.AddSection<uint64_t>(kStringOffsets, "string_offsets", strings.offsets);
  w.AddSection<uint8_t>(kStringBytes, "string_bytes", strings.byte_span());
  return w.WriteFile(fs, path);
}

absl::StatusOr<UserProfiles> ReadProfiles(FileSystem* fs,
                                          const std::string& path) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader r,
      FormatReader::Open(buffer.view(), path, kProfilesFileType));
  auto bad = [&](absl::string_view what) {
    return absl::DataLossError(absl::StrCat(path, ": ", what));
  };
  TAILOR_ASSIGN_OR_RETURN(auto meta, r.Array<int64_t>(kMeta, "meta"));
  if (meta.size() != 7 || meta[0] < 0 || meta[4] < 0 || meta[5] < 0) {
    return bad("invalid meta section");
  }
  const int64_t n = meta[0], attrs = meta[4], cats = meta[5];
  UserProfiles p;
  p.has_timestamps = meta[1] != 0;
  p.has_monetary = meta[2] != 0;
  p.end_time = meta[3];
  p.loyal_threshold = meta[6];
  auto copy = [&](auto span, auto& out, int64_t expected,
                  absl::string_view name) -> absl::Status {
    if (expected >= 0 && static_cast<int64_t>(span.size()) != expected) {
      return bad(absl::StrCat("section '", name, "' has ", span.size(),
                              " elements, expected ", expected));
    }
    out.assign(span.begin(), span.end());
    return absl::OkStatus();
  };
#define TAILOR_READ_(T, id, name, out, expected)              \
  {                                                           \
    TAILOR_ASSIGN_OR_RETURN(auto span, r.Array<T>(id, name)); \
    TAILOR_RETURN_IF_ERROR(copy(span, out, expected, name));  \
  }
  TAILOR_READ_(uint64_t, kKeys, "keys", p.keys, n);
  TAILOR_READ_(int64_t, kEvents, "events", p.events, n);
  TAILOR_READ_(int64_t, kFrequency, "frequency", p.frequency, n);
  TAILOR_READ_(int64_t, kDistinctItems, "distinct_items", p.distinct_items, n);
  TAILOR_READ_(int64_t, kFirstTime, "first_time", p.first_time, n);
  TAILOR_READ_(int64_t, kLastTime, "last_time", p.last_time, n);
  TAILOR_READ_(double, kRecency, "recency_days", p.recency_days, n);
  TAILOR_READ_(double, kTenure, "tenure_days", p.tenure_days, n);
  TAILOR_READ_(double, kMonetary, "monetary", p.monetary, n);
  std::vector<uint8_t> scores, rfm, stage;
  TAILOR_READ_(uint8_t, kScores, "rfm_scores", scores, 3 * n);
  TAILOR_READ_(uint8_t, kRfmSegment, "rfm_segment", rfm, n);
  TAILOR_READ_(uint8_t, kLifecycle, "lifecycle", stage, n);
  TAILOR_READ_(int64_t, kInterestIndptr, "interest_indptr", p.interest_indptr,
               n + 1);
  TAILOR_READ_(uint32_t, kInterestCategory, "interest_cat", p.interest_category,
               -1);
  TAILOR_READ_(float, kInterestShare, "interest_share", p.interest_share,
               static_cast<int64_t>(p.interest_category.size()));
  TAILOR_READ_(int64_t, kTopIndptr, "top_indptr", p.top_item_indptr, n + 1);
  TAILOR_READ_(uint64_t, kTopKey, "top_item_key", p.top_item_key, -1);
  TAILOR_READ_(uint32_t, kTopEvents, "top_item_events", p.top_item_events,
               static_cast<int64_t>(p.top_item_key.size()));
  TAILOR_READ_(uint32_t, kHours, "hour_histogram", p.hour_histogram, 24 * n);
  TAILOR_READ_(uint32_t, kDays, "dow_histogram", p.dow_histogram, 7 * n);
  std::vector<uint64_t> offsets;
  std::vector<uint8_t> bytes;
  TAILOR_READ_(uint64_t, kStringOffsets, "string_offsets", offsets,
               n + attrs + n * attrs + cats + 2);
  TAILOR_READ_(uint8_t, kStringBytes, "string_bytes", bytes, -1);
#undef TAILOR_READ_
  for (const auto* indptr : {&p.interest_indptr, &p.top_item_indptr}) {
    for (int64_t u = 0; u < n; ++u) {
      if ((*indptr)[u] > (*indptr)[u + 1]) return bad("row offsets decrease");
    }
  }
  if (p.interest_indptr.front() != 0 ||
      p.interest_indptr.back() !=
          static_cast<int64_t>(p.interest_category.size()) ||
      p.top_item_indptr.front() != 0 ||
      p.top_item_indptr.back() != static_cast<int64_t>(p.top_item_key.size())) {
    return bad("row offsets do not span their arrays");
  }
  for (uint32_t c : p.interest_category) {
    if (c >= cats) return bad("interest category out of range");
  }
  for (int64_t u = 0; u < n; ++u) {
    if (rfm[u] >= kRfmSegmentCount || stage[u] >= kLifecycleStageCount) {
      return bad(absl::StrCat("user ", u, " has an unknown segment or stage"));
    }
    p.r_score.push_back(scores[3 * u]);
    p.f_score.push_back(scores[3 * u + 1]);
    p.m_score.push_back(scores[3 * u + 2]);
    p.rfm_segment.push_back(static_cast<RfmSegment>(rfm[u]));
    p.lifecycle.push_back(static_cast<LifecycleStage>(stage[u]));
  }
  TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> s,
                          UnpackStrings(offsets, bytes, path));
  size_t k = 0;
  for (int64_t u = 0; u < n; ++u) p.external_ids.push_back(s[k++]);
  for (int64_t a = 0; a < attrs; ++a) p.demographic_names.push_back(s[k++]);
  p.demographics.resize(n);
  for (int64_t u = 0; u < n; ++u) {
    for (int64_t a = 0; a < attrs; ++a) p.demographics[u].push_back(s[k++]);
  }
  for (int64_t c = 0; c < cats; ++c) p.category_names.push_back(s[k++]);
  p.category_source = s[k++];
  return p;
}

std::string ProfilesToCsv(const UserProfiles& p, const EntityColumns& items) {
  std::vector<std::string> header = {"user_id", "key"};
  for (const auto& name : p.demographic_names) header.push_back(name);
  for (const char* c :
       {"events", "frequency", "distinct_items", "first_event", "last_event",
        "recency_days", "tenure_days", "monetary", "r_score", "f_score",
        "m_score", "rfm_segment", "lifecycle", "interests", "top_items",
        "hour_histogram", "dow_histogram"}) {
    header.push_back(c);
  }
  std::string out;
  AppendCsvRow(header, &out);
  auto number = [](double v) {
    return std::isnan(v) ? std::string() : absl::StrFormat("%.4f", v);
  };
  auto time = [&](int64_t t, int64_t u) {
    return (!p.has_timestamps || p.events[u] == 0) ? std::string()
                                                   : FormatUtc(t);
  };
  std::vector<std::string> row;
  for (int64_t u = 0; u < p.size(); ++u) {
    row.clear();
    row.push_back(p.external_ids[u]);
    row.push_back(absl::StrFormat("%016x", p.keys[u]));
    for (const auto& v : p.demographics[u]) row.push_back(v);
    row.push_back(absl::StrCat(p.events[u]));
    row.push_back(absl::StrCat(p.frequency[u]));
    row.push_back(absl::StrCat(p.distinct_items[u]));
    row.push_back(time(p.first_time[u], u));
    row.push_back(time(p.last_time[u], u));
    row.push_back(number(p.recency_days[u]));
    row.push_back(number(p.tenure_days[u]));
    row.push_back(number(p.monetary[u]));
    row.push_back(absl::StrCat(p.r_score[u]));
    row.push_back(absl::StrCat(p.f_score[u]));
    row.push_back(absl::StrCat(p.m_score[u]));
    row.push_back(std::string(RfmSegmentName(p.rfm_segment[u])));
    row.push_back(std::string(LifecycleStageName(p.lifecycle[u])));
    std::string interests;
    for (int64_t k = p.interest_indptr[u]; k < p.interest_indptr[u + 1]; ++k) {
      absl::StrAppend(&interests, interests.empty() ? "" : ";",
                      p.category_names[p.interest_category[k]], ":",
                      absl::StrFormat("%.4f", p.interest_share[k]));
    }
    row.push_back(interests);
    std::string top;
    for (int64_t k = p.top_item_indptr[u]; k < p.top_item_indptr[u + 1]; ++k) {
      const int64_t item = items.Find(p.top_item_key[k]);
      absl::StrAppend(&top, top.empty() ? "" : ";",
                      item >= 0 ? items.external_ids[item]
                                : absl::StrFormat("%016x", p.top_item_key[k]),
                      ":", p.top_item_events[k]);
    }
    row.push_back(top);
    row.push_back(absl::StrJoin(p.hour_histogram.begin() + 24 * u,
                                p.hour_histogram.begin() + 24 * (u + 1), " "));
    row.push_back(absl::StrJoin(p.dow_histogram.begin() + 7 * u,
                                p.dow_histogram.begin() + 7 * (u + 1), " "));
    AppendCsvRow(row, &out);
  }
  return out;
}

}  // namespace tailor
