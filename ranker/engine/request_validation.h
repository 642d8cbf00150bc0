#ifndef TAILOR_RANKER_ENGINE_REQUEST_VALIDATION_H_
#define TAILOR_RANKER_ENGINE_REQUEST_VALIDATION_H_

// Field-by-field validation of a RankRequest before any model is consulted
// (the contract is in proto/tailor/v1/ranker.proto). Pure functions;
// thread-safe.

#include <cstdint>

#include "absl/status/status.h"
#include "tailor/v1/ranker.pb.h"

namespace tailor::ranker {

// Size limits. Exceeding one is RESOURCE_EXHAUSTED naming the field.
struct RequestLimits {
  // Whole request, serialized.
  int64_t max_request_bytes = 4 << 20;
  int max_recent_interactions = 1000;
  int max_candidates = 10000;
  // filters.exclude_item_ids plus filters.exclude_item_keys.
  int max_excluded_items = 10000;
  // filters.include_categories and filters.exclude_categories, each.
  int max_categories = 1000;
  // Any single string field (ids, labels, context strings).
  int max_string_bytes = 1024;
};

// Largest RankRequest.count (0 means kDefaultCount).
inline constexpr uint32_t kMaxCount = 1000;
inline constexpr uint32_t kDefaultCount = 10;

// OK when `request` may be served. Otherwise INVALID_ARGUMENT (malformed:
// empty model_name, count outside 0..1000, version <= 0, empty label or id,
// NaN/infinite or negative weights, negative timestamps, diversity outside
// [0, 1], non-finite prices, min_price > max_price, duplicate candidates,
// control characters in names) or RESOURCE_EXHAUSTED (over `limits`). The
// message names the field (with its index for repeated fields) and the
// status carries an ErrorInfo (rank_error.h) with the same field path.
absl::Status ValidateRankRequest(const tailor::v1::RankRequest& request,
                                 const RequestLimits& limits);

// The number of items to return: request.count, or kDefaultCount when 0.
uint32_t EffectiveCount(const tailor::v1::RankRequest& request);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_REQUEST_VALIDATION_H_
