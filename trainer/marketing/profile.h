#ifndef TAILOR_TRAINER_MARKETING_PROFILE_H_
#define TAILOR_TRAINER_MARKETING_PROFILE_H_

// One profile per user of a dataset: demographics (the user attributes),
// recency / frequency / monetary value and their quintile scores, interest
// shares over item categories, top items, hour-of-day and day-of-week
// histograms and the lifecycle stage (definitions in docs/marketing.md).
// UserProfiles is a plain value type, column by column, row = user dense
// index.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/dataset/dataset.h"
#include "trainer/marketing/item_categories.h"
#include "trainer/marketing/lifecycle.h"
#include "trainer/marketing/rfm.h"

namespace tailor {

struct ProfileOptions {
  int top_items = 10;  // per user, by event count
  LifecycleOptions lifecycle;
};

// What profiles are built from; pointers are borrowed for the call.
struct ProfileSource {
  const DatasetManifest* manifest = nullptr;
  const EntityColumns* users = nullptr;
  const EntityColumns* items = nullptr;
  const SparseBlock* user_major = nullptr;  // whole matrix, first_row 0
  const ItemCategories* categories = nullptr;
};

struct UserProfiles {
  bool has_timestamps = false;
  bool has_monetary = false;  // from the dataset's amounts; else NaN
  int64_t end_time = 0;       // unix seconds: the latest event
  int64_t loyal_threshold = 2;
  std::vector<std::string> demographic_names;
  std::vector<std::string> category_names;  // ItemCategories::names
  std::string category_source;

  std::vector<uint64_t> keys;
  std::vector<std::string> external_ids;
  std::vector<std::vector<std::string>> demographics;  // [user][attribute]
  std::vector<int64_t> events;                         // entries of the user
  std::vector<int64_t> frequency;  // distinct timestamps (or events)
  std::vector<int64_t> distinct_items;
  std::vector<int64_t> first_time, last_time;  // 0 without timestamps
  std::vector<double> recency_days;  // NaN without events or timestamps
  std::vector<double> tenure_days;   // end - first event; NaN likewise
  std::vector<double> monetary;      // sum of amounts; NaN when absent
  std::vector<uint8_t> r_score, f_score, m_score;  // 1..5, 0 = unscored
  std::vector<RfmSegment> rfm_segment;
  std::vector<LifecycleStage> lifecycle;
  // Interest shares: categories interest_category[indptr[u]..indptr[u+1])
  // with shares summing to 1 for users with events (an event of an item in
  // c categories adds 1/c to each); empty without categories.
  std::vector<int64_t> interest_indptr = {0};
  std::vector<uint32_t> interest_category;
  std::vector<float> interest_share;
  // Top items (item keys) by event count, then dense index.
  std::vector<int64_t> top_item_indptr = {0};
  std::vector<uint64_t> top_item_key;
  std::vector<uint32_t> top_item_events;
  std::vector<uint32_t> hour_histogram;  // users x 24, UTC hour of events
  std::vector<uint32_t> dow_histogram;   // users x 7, Monday = 0

  int64_t size() const { return static_cast<int64_t>(keys.size()); }
};

// INVALID_ARGUMENT when the block does not match the tables (row or column
// counts, missing timestamps/amounts the manifest promises).
absl::StatusOr<UserProfiles> BuildProfiles(const ProfileSource& source,
                                           const ProfileOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_PROFILE_H_
