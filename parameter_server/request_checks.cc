#include "parameter_server/request_checks.h"

#include <cmath>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "parameter_server/ps_error.h"
#include "parameter_server/ps_types.h"

namespace tailor {
namespace {

absl::Status Invalid(v1::ErrorReason reason, absl::string_view field,
                     int64_t index, std::optional<uint64_t> key,
                     std::string message) {
  ErrorDetail detail;
  detail.reason = reason;
  detail.field = std::string(field);
  detail.index = index;
  detail.key = key;
  return PsError(absl::StatusCode::kInvalidArgument, detail, message);
}

}  // namespace

absl::Status CheckKeysAscending(absl::Span<const uint64_t> keys,
                                std::optional<uint64_t> previous,
                                absl::string_view context,
                                absl::string_view field, int64_t index_offset) {
  if (keys.empty()) return absl::OkStatus();
  // Branch-free scan first; locate the offender only when there is one.
  bool bad = previous.has_value() && !(*previous < keys[0]);
  uint64_t bad_pairs = 0;
  for (size_t i = 1; i < keys.size(); ++i) {
    bad_pairs |= static_cast<uint64_t>(!(keys[i - 1] < keys[i]));
  }
  if (!bad && bad_pairs == 0) return absl::OkStatus();
  for (size_t i = 0; i < keys.size(); ++i) {
    const bool has_prev = i > 0 || previous.has_value();
    if (!has_prev) continue;
    const uint64_t prev = i > 0 ? keys[i - 1] : *previous;
    if (prev < keys[i]) continue;
    const int64_t index = index_offset + static_cast<int64_t>(i);
    const bool duplicate = prev == keys[i];
    return Invalid(
        duplicate ? v1::ERROR_REASON_DUPLICATE_KEYS
                  : v1::ERROR_REASON_UNSORTED_KEYS,
        field, index, keys[i],
        absl::StrCat(context, ": keys not strictly ascending at index ", index,
                     " (key ", keys[i], " after ", prev, ")",
                     duplicate ? ": duplicate key" : ""));
  }
  return absl::OkStatus();
}

absl::Status CheckRowBlock(int table_dim, int given_dim, size_t rows,
                           absl::Span<const float> values,
                           absl::string_view context) {
  if (given_dim != table_dim) {
    return Invalid(v1::ERROR_REASON_SHAPE_MISMATCH, "rows.dim", -1,
                   std::nullopt,
                   absl::StrCat(context, ": rows.dim is ", given_dim,
                                ", the table's dim is ", table_dim));
  }
  if (values.size() != rows * static_cast<size_t>(table_dim)) {
    return Invalid(
        v1::ERROR_REASON_SHAPE_MISMATCH, "rows.values", -1, std::nullopt,
        absl::StrCat(context, ": ", rows, " keys of dim ", table_dim, " need ",
                     rows * table_dim, " values, got ", values.size()));
  }
  if (static_cast<int64_t>(rows) > MaxRowsPerChunk(table_dim)) {
    return Invalid(
        v1::ERROR_REASON_CHUNK_TOO_LARGE, "keys", -1, std::nullopt,
        absl::StrCat(context, ": chunk of ", rows, " rows of dim ", table_dim,
                     " exceeds ", MaxRowsPerChunk(table_dim),
                     " rows (1 MiB payload)"));
  }
  uint32_t all = 0;
  const float* v = values.data();
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, v + i, 4);
    all |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  if (all == 0) return absl::OkStatus();
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return Invalid(
          v1::ERROR_REASON_NON_FINITE_VALUE, "rows.values",
          static_cast<int64_t>(i), std::nullopt,
          absl::StrCat(context, ": value ", i, " (row ", i / table_dim,
                       ", column ", i % table_dim, ") is not finite"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRequestKeyCount(size_t keys, absl::string_view context) {
  if (static_cast<int64_t>(keys) <= kMaxRequestKeys) return absl::OkStatus();
  return Invalid(v1::ERROR_REASON_CHUNK_TOO_LARGE, "keys", -1, std::nullopt,
                 absl::StrCat(context, ": ", keys, " keys exceed the limit of ",
                              kMaxRequestKeys, " per request"));
}

absl::Status MissingField(absl::string_view field, absl::string_view context) {
  return Invalid(
      v1::ERROR_REASON_MISSING_FIELD, field, -1, std::nullopt,
      absl::StrCat(context, ": required field '", field, "' is missing"));
}

}  // namespace tailor
