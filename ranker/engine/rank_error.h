#ifndef TAILOR_RANKER_ENGINE_RANK_ERROR_H_
#define TAILOR_RANKER_ENGINE_RANK_ERROR_H_

// Errors of the ranker as absl::Status values that carry a tailor.v1.ErrorInfo
// (common.proto) payload, so the gRPC adapter can put it into the status
// details. The payload uses the same type URL as every Tailor server. Pure
// functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tailor/v1/common.pb.h"

namespace tailor::ranker {

// Type URL of the serialized ErrorInfo payload.
inline constexpr absl::string_view kRankErrorInfoTypeUrl =
    "type.googleapis.com/tailor.v1.ErrorInfo";

// A status with `code` and `message` whose ErrorInfo holds `reason`,
// `subject` (model name, file, ...), `field` (dotted request field path, e.g.
// "recent_interactions[3].weight") and `index` (-1 when none).
absl::Status RankError(absl::StatusCode code, tailor::v1::ErrorReason reason,
                       absl::string_view subject, absl::string_view field,
                       absl::string_view message, int64_t index = -1);

// The ErrorInfo carried by `status`, if any.
std::optional<tailor::v1::ErrorInfo> GetRankErrorInfo(
    const absl::Status& status);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_RANK_ERROR_H_
