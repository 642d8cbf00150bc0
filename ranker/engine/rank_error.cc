#include "ranker/engine/rank_error.h"

#include <string>

#include "absl/strings/cord.h"

namespace tailor::ranker {

absl::Status RankError(absl::StatusCode code, tailor::v1::ErrorReason reason,
                       absl::string_view subject, absl::string_view field,
                       absl::string_view message, int64_t index) {
  absl::Status status(code, message);
  tailor::v1::ErrorInfo info;
  info.set_reason(reason);
  info.set_subject(std::string(subject));
  info.set_field(std::string(field));
  info.set_index(index);
  status.SetPayload(kRankErrorInfoTypeUrl,
                    absl::Cord(info.SerializeAsString()));
  return status;
}

std::optional<tailor::v1::ErrorInfo> GetRankErrorInfo(
    const absl::Status& status) {
  auto payload = status.GetPayload(kRankErrorInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  tailor::v1::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

}  // namespace tailor::ranker
