#ifndef TAILOR_RANKER_MODEL_POPULARITY_H_
#define TAILOR_RANKER_MODEL_POPULARITY_H_

// Item popularity overall and by request context (popularity.tsv,
// docs/formats/popularity.md): event counts per item overall and per value
// of each context feature: "country" (the user's country attribute),
// "hour" (UTC hour of day of the event, "0".."23") and "channel" (a user or
// event channel attribute when the data has one). Built from the training
// log by `tailor export`, read by the ranker. A plain value type; immutable
// after construction, so safe to share between threads.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/format/sparse_block.h"

namespace tailor::ranker {

inline constexpr int kPopularityFormatVersion = 1;

// Counts of one context value: (item row, events), events descending.
struct ContextCounts {
  double total_events = 0;
  std::vector<std::pair<int64_t, double>> items;
};

struct ContextPopularity {
  std::vector<double> item_events;  // by catalogue row
  double max_item_events = 0;
  // feature ("country", "hour", "channel") -> value -> counts.
  absl::flat_hash_map<std::string,
                      absl::flat_hash_map<std::string, ContextCounts>>
      by_context;

  // Counts for `feature` = `value`, or null.
  const ContextCounts* Find(absl::string_view feature,
                            absl::string_view value) const;
};

// Builds the table from a user-major block (rows = users, columns = item
// rows of a catalogue with `items` rows; each event counts once).
// `user_country` / `user_channel` give each user row's value ("" = none;
// either may be empty for "no such feature"). Hours need timestamps in the
// block (none: no "hour" feature). `max_items_per_value` (> 0) keeps the
// most frequent items of each context value (totals stay exact).
ContextPopularity ComputePopularity(
    const SparseBlock& user_major, int64_t items,
    const std::vector<std::string>& user_country,
    const std::vector<std::string>& user_channel, int max_items_per_value);

// popularity.tsv text keyed by item key (`item_keys[row]`), and its parser
// (rows by `find_row(key)`, entries whose key is unknown are skipped).
// DATA_LOSS naming `what` and the line for malformed text.
std::string PopularityToTsv(const ContextPopularity& p,
                            const std::vector<uint64_t>& item_keys);
absl::StatusOr<ContextPopularity> ParsePopularityTsv(
    absl::string_view text, absl::string_view what,
    const std::vector<uint64_t>& item_keys);

// UTC hour of day ("0".."23") of a Unix time in milliseconds.
std::string HourOfDay(int64_t unix_ms);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_POPULARITY_H_
