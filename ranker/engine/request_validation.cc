#include "ranker/engine/request_validation.h"

#include <cmath>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/status_macros.h"
#include "ranker/engine/rank_error.h"

namespace tailor::ranker {
namespace {

using tailor::v1::RankRequest;

absl::Status Invalid(absl::string_view field, absl::string_view what,
                     tailor::v1::ErrorReason reason =
                         tailor::v1::ERROR_REASON_OUT_OF_RANGE_VALUE,
                     int64_t index = -1) {
  return RankError(absl::StatusCode::kInvalidArgument, reason, "", field,
                   absl::StrCat("RankRequest.", field, ": ", what), index);
}

absl::Status TooLarge(absl::string_view field, int64_t size, int64_t limit) {
  return RankError(absl::StatusCode::kResourceExhausted,
                   tailor::v1::ERROR_REASON_CHUNK_TOO_LARGE, "", field,
                   absl::StrCat("RankRequest.", field, ": ", size,
                                " entries exceed the limit of ", limit));
}

std::string Indexed(absl::string_view field, int index) {
  return absl::StrCat(field, "[", index, "]");
}

// Checks a name-like string: not longer than the limit and free of control
// characters (which would corrupt logs). Empty strings are allowed here.
absl::Status CheckString(absl::string_view field, absl::string_view value,
                         const RequestLimits& limits) {
  if (static_cast<int64_t>(value.size()) > limits.max_string_bytes) {
    return RankError(
        absl::StatusCode::kResourceExhausted,
        tailor::v1::ERROR_REASON_CHUNK_TOO_LARGE, "", field,
        absl::StrCat("RankRequest.", field, ": ", value.size(),
                     " bytes exceed the limit of ", limits.max_string_bytes));
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return Invalid(field, "contains a control character",
                     tailor::v1::ERROR_REASON_BAD_NAME);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckNonEmptyString(absl::string_view field,
                                 absl::string_view value,
                                 const RequestLimits& limits) {
  if (value.empty()) {
    return Invalid(field, "is set but empty",
                   tailor::v1::ERROR_REASON_MISSING_FIELD);
  }
  return CheckString(field, value, limits);
}

absl::Status CheckRecent(const RankRequest& request,
                         const RequestLimits& limits) {
  const int n = request.recent_interactions_size();
  if (n > limits.max_recent_interactions) {
    return TooLarge("recent_interactions", n, limits.max_recent_interactions);
  }
  for (int i = 0; i < n; ++i) {
    const tailor::v1::RecentInteraction& r = request.recent_interactions(i);
    const std::string field = Indexed("recent_interactions", i);
    switch (r.item_case()) {
      case tailor::v1::RecentInteraction::kItemId:
        TAILOR_RETURN_IF_ERROR(
            CheckNonEmptyString(field + ".item_id", r.item_id(), limits));
        break;
      case tailor::v1::RecentInteraction::kItemKey:
        break;
      default:
        return Invalid(field + ".item", "neither item_id nor item_key is set",
                       tailor::v1::ERROR_REASON_MISSING_FIELD, i);
    }
    if (!std::isfinite(r.weight())) {
      return Invalid(field + ".weight", "is not a finite number",
                     tailor::v1::ERROR_REASON_NON_FINITE_VALUE, i);
    }
    if (r.weight() < 0) {
      return Invalid(field + ".weight",
                     absl::StrCat("is negative (", r.weight(), ")"),
                     tailor::v1::ERROR_REASON_OUT_OF_RANGE_VALUE, i);
    }
    if (r.timestamp_unix_ms() < 0) {
      return Invalid(field + ".timestamp_unix_ms",
                     absl::StrCat("is negative (", r.timestamp_unix_ms(), ")"),
                     tailor::v1::ERROR_REASON_OUT_OF_RANGE_VALUE, i);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckContext(const RankRequest& request,
                          const RequestLimits& limits) {
  const tailor::v1::RankContext& c = request.context();
  if (c.timestamp_unix_ms() < 0) {
    return Invalid("context.timestamp_unix_ms",
                   absl::StrCat("is negative (", c.timestamp_unix_ms(), ")"));
  }
  TAILOR_RETURN_IF_ERROR(CheckString("context.device", c.device(), limits));
  TAILOR_RETURN_IF_ERROR(CheckString("context.country", c.country(), limits));
  TAILOR_RETURN_IF_ERROR(CheckString("context.channel", c.channel(), limits));
  return absl::OkStatus();
}

absl::Status CheckCandidates(const RankRequest& request,
                             const RequestLimits& limits) {
  const int n = request.candidate_item_ids_size();
  if (n > limits.max_candidates) {
    return TooLarge("candidate_item_ids", n, limits.max_candidates);
  }
  absl::flat_hash_map<absl::string_view, int> first_index;
  first_index.reserve(n);
  for (int i = 0; i < n; ++i) {
    const std::string& id = request.candidate_item_ids(i);
    const std::string field = Indexed("candidate_item_ids", i);
    TAILOR_RETURN_IF_ERROR(CheckNonEmptyString(field, id, limits));
    auto [it, inserted] = first_index.emplace(id, i);
    if (!inserted) {
      return Invalid(field,
                     absl::StrCat("'", id, "' duplicates candidate_item_ids[",
                                  it->second, "]"),
                     tailor::v1::ERROR_REASON_DUPLICATE_KEYS, i);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCategories(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& categories,
    const RequestLimits& limits) {
  if (categories.size() > limits.max_categories) {
    return TooLarge(field, categories.size(), limits.max_categories);
  }
  for (int i = 0; i < categories.size(); ++i) {
    TAILOR_RETURN_IF_ERROR(
        CheckNonEmptyString(Indexed(field, i), categories.Get(i), limits));
  }
  return absl::OkStatus();
}

absl::Status CheckFilters(const RankRequest& request,
                          const RequestLimits& limits) {
  const tailor::v1::RankFilters& f = request.filters();
  const int64_t excluded = static_cast<int64_t>(f.exclude_item_ids_size()) +
                           f.exclude_item_keys_size();
  if (excluded > limits.max_excluded_items) {
    return TooLarge(f.exclude_item_ids_size() > 0 ? "filters.exclude_item_ids"
                                                  : "filters.exclude_item_keys",
                    excluded, limits.max_excluded_items);
  }
  for (int i = 0; i < f.exclude_item_ids_size(); ++i) {
    TAILOR_RETURN_IF_ERROR(CheckNonEmptyString(
        Indexed("filters.exclude_item_ids", i), f.exclude_item_ids(i), limits));
  }
  TAILOR_RETURN_IF_ERROR(CheckCategories("filters.include_categories",
                                         f.include_categories(), limits));
  TAILOR_RETURN_IF_ERROR(CheckCategories("filters.exclude_categories",
                                         f.exclude_categories(), limits));
  if (f.has_min_price() && !std::isfinite(f.min_price())) {
    return Invalid("filters.min_price", "is not a finite number",
                   tailor::v1::ERROR_REASON_NON_FINITE_VALUE);
  }
  if (f.has_max_price() && !std::isfinite(f.max_price())) {
    return Invalid("filters.max_price", "is not a finite number",
                   tailor::v1::ERROR_REASON_NON_FINITE_VALUE);
  }
  if (f.has_min_price() && f.has_max_price() && f.min_price() > f.max_price()) {
    return Invalid("filters.min_price",
                   absl::StrCat("(", f.min_price(),
                                ") is greater than filters.max_price (",
                                f.max_price(), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRankRequest(const RankRequest& request,
                                 const RequestLimits& limits) {
  const int64_t bytes = static_cast<int64_t>(request.ByteSizeLong());
  if (bytes > limits.max_request_bytes) {
    return RankError(
        absl::StatusCode::kResourceExhausted,
        tailor::v1::ERROR_REASON_CHUNK_TOO_LARGE, "", "",
        absl::StrCat("RankRequest: ", bytes, " bytes exceed the limit of ",
                     limits.max_request_bytes));
  }
  if (request.model_name().empty()) {
    return Invalid("model_name", "is required",
                   tailor::v1::ERROR_REASON_MISSING_FIELD);
  }
  TAILOR_RETURN_IF_ERROR(
      CheckString("model_name", request.model_name(), limits));
  switch (request.version_choice_case()) {
    case RankRequest::kVersion:
      if (request.version() <= 0) {
        return Invalid("version",
                       absl::StrCat("must be >= 1 (got ", request.version(),
                                    "); leave it unset for the default"));
      }
      break;
    case RankRequest::kVersionLabel:
      TAILOR_RETURN_IF_ERROR(CheckNonEmptyString(
          "version_label", request.version_label(), limits));
      break;
    default:
      break;
  }
  if (request.user_case() == RankRequest::kUserId) {
    TAILOR_RETURN_IF_ERROR(
        CheckNonEmptyString("user_id", request.user_id(), limits));
  }
  TAILOR_RETURN_IF_ERROR(CheckRecent(request, limits));
  TAILOR_RETURN_IF_ERROR(CheckContext(request, limits));
  TAILOR_RETURN_IF_ERROR(CheckCandidates(request, limits));
  if (request.count() > kMaxCount) {
    // A negative count sent by a client with signed integers arrives as a
    // huge unsigned value; say so.
    return Invalid(
        "count",
        absl::StrCat(
            "must be in 0..", kMaxCount, " (0 means ", kDefaultCount, "); got ",
            request.count(),
            request.count() > (1u << 31) ? " (a negative number?)" : ""));
  }
  TAILOR_RETURN_IF_ERROR(CheckFilters(request, limits));
  if (!std::isfinite(request.diversity())) {
    return Invalid("diversity", "is not a finite number",
                   tailor::v1::ERROR_REASON_NON_FINITE_VALUE);
  }
  if (request.diversity() < 0 || request.diversity() > 1) {
    return Invalid("diversity", absl::StrCat("must be in [0, 1]; got ",
                                             request.diversity()));
  }
  TAILOR_RETURN_IF_ERROR(CheckString("unit_id", request.unit_id(), limits));
  TAILOR_RETURN_IF_ERROR(
      CheckString("request_id", request.request_id(), limits));
  return absl::OkStatus();
}

uint32_t EffectiveCount(const tailor::v1::RankRequest& request) {
  return request.count() == 0 ? kDefaultCount : request.count();
}

}  // namespace tailor::ranker
