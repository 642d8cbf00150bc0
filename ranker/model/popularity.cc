#include "ranker/model/popularity.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/dataset/tsv.h"

namespace tailor::ranker {
namespace {

constexpr absl::string_view kHeaderPrefix = "# tailor popularity ";
constexpr absl::string_view kColumns = "feature\tvalue\titem_key\tevents";
constexpr absl::string_view kTotal = "total";

void SortAndTrim(ContextCounts* c, int max_items) {
  std::sort(c->items.begin(), c->items.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (max_items > 0 && static_cast<int>(c->items.size()) > max_items) {
    c->items.resize(max_items);
  }
}

}  // namespace

const ContextCounts* ContextPopularity::Find(absl::string_view feature,
                                             absl::string_view value) const {
  auto f = by_context.find(feature);
  if (f == by_context.end()) return nullptr;
  auto v = f->second.find(value);
  return v == f->second.end() ? nullptr : &v->second;
}

std::string HourOfDay(int64_t unix_ms) {
  int64_t seconds = unix_ms / 1000;
  int64_t hour = (seconds % 86400 + 86400) % 86400 / 3600;
  return absl::StrCat(hour);
}

ContextPopularity ComputePopularity(
    const SparseBlock& user_major, int64_t items,
    const std::vector<std::string>& user_country,
    const std::vector<std::string>& user_channel, int max_items_per_value) {
  ContextPopularity p;
  p.item_events.assign(items, 0);
  // feature -> value -> item -> events
  std::map<std::string, std::map<std::string, std::map<int64_t, double>>> acc;
  const CsrMatrix& m = user_major.matrix;
  const bool has_time = !user_major.timestamps.empty();
  for (int64_t u = 0; u < m.rows; ++u) {
    const int64_t global = static_cast<int64_t>(user_major.first_row) + u;
    const std::string* country =
        global < static_cast<int64_t>(user_country.size()) &&
                !user_country[global].empty()
            ? &user_country[global]
            : nullptr;
    const std::string* channel =
        global < static_cast<int64_t>(user_channel.size()) &&
                !user_channel[global].empty()
            ? &user_channel[global]
            : nullptr;
    for (int64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) {
      const int64_t item = m.indices[e];
      if (item < 0 || item >= items) continue;
      p.item_events[item] += 1;
      if (country != nullptr) acc["country"][*country][item] += 1;
      if (channel != nullptr) acc["channel"][*channel][item] += 1;
      if (has_time) {
        acc["hour"][HourOfDay(user_major.timestamps[e] * 1000)][item] += 1;
      }
    }
  }
  for (double c : p.item_events)
    p.max_item_events = std::max(p.max_item_events, c);
  for (auto& [feature, values] : acc) {
    for (auto& [value, counts] : values) {
      ContextCounts& c = p.by_context[feature][value];
      for (const auto& [item, events] : counts) {
        c.total_events += events;
        c.items.push_back({item, events});
      }
      SortAndTrim(&c, max_items_per_value);
    }
  }
  return p;
}

std::string PopularityToTsv(const ContextPopularity& p,
                            const std::vector<uint64_t>& item_keys) {
  std::string out = absl::StrCat(kHeaderPrefix, kPopularityFormatVersion, "\n",
                                 kColumns, "\n");
  auto line = [&](absl::string_view feature, absl::string_view value,
                  absl::string_view key, double events) {
    AppendTsvEscaped(feature, &out);
    out += '\t';
    AppendTsvEscaped(value, &out);
    absl::StrAppend(&out, "\t", key, "\t", events, "\n");
  };
  for (size_t i = 0; i < p.item_events.size(); ++i) {
    if (p.item_events[i] <= 0) continue;
    line("all", "", absl::StrCat(absl::Hex(item_keys[i], absl::kZeroPad16)),
         p.item_events[i]);
  }
  // Sorted for a deterministic file.
  std::map<std::string, std::map<std::string, const ContextCounts*>> sorted;
  for (const auto& [f, values] : p.by_context) {
    for (const auto& [v, c] : values) sorted[f][v] = &c;
  }
  for (const auto& [f, values] : sorted) {
    for (const auto& [v, c] : values) {
      line(f, v, kTotal, c->total_events);
      for (const auto& [item, events] : c->items) {
        line(f, v, absl::StrCat(absl::Hex(item_keys[item], absl::kZeroPad16)),
             events);
      }
    }
  }
  return out;
}

absl::StatusOr<ContextPopularity> ParsePopularityTsv(
    absl::string_view text, absl::string_view what,
    const std::vector<uint64_t>& item_keys) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  const std::string header =
      absl::StrCat(kHeaderPrefix, kPopularityFormatVersion);
  if (lines.size() < 2 || lines[0] != header || lines[1] != kColumns) {
    return absl::DataLossError(
        absl::StrCat(what, ": not a popularity table of format version ",
                     kPopularityFormatVersion));
  }
  ContextPopularity p;
  p.item_events.assign(item_keys.size(), 0);
  for (size_t l = 2; l < lines.size(); ++l) {
    auto fields = SplitTsvLine(lines[l]);
    double events;
    if (!fields.ok() || fields->size() != 4 ||
        !absl::SimpleAtod((*fields)[3], &events) || !(events >= 0)) {
      return absl::DataLossError(
          absl::StrCat(what, ":", l + 1, ": malformed line"));
    }
    const std::string& feature = (*fields)[0];
    const std::string& key_text = (*fields)[2];
    if (feature != "all" && key_text == kTotal) {
      p.by_context[feature][(*fields)[1]].total_events = events;
      continue;
    }
    uint64_t key;
    if (key_text.size() != 16 || !absl::SimpleHexAtoi(key_text, &key)) {
      return absl::DataLossError(
          absl::StrCat(what, ":", l + 1, ": item key is not 16 hex digits"));
    }
    auto it = std::lower_bound(item_keys.begin(), item_keys.end(), key);
    if (it == item_keys.end() || *it != key) continue;
    const int64_t row = it - item_keys.begin();
    if (feature == "all") {
      p.item_events[row] = events;
      p.max_item_events = std::max(p.max_item_events, events);
    } else {
      p.by_context[feature][(*fields)[1]].items.push_back({row, events});
    }
  }
  for (auto& [f, values] : p.by_context) {
    for (auto& [v, c] : values) SortAndTrim(&c, 0);
  }
  return p;
}

}  // namespace tailor::ranker
