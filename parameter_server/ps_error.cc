#include "parameter_server/ps_error.h"

#include <string>

#include "absl/strings/cord.h"

namespace tailor {

absl::Status PsError(absl::StatusCode code, const ErrorDetail& detail,
                     absl::string_view message) {
  absl::Status status(code, message);
  v1::ErrorInfo info;
  info.set_reason(detail.reason);
  info.set_subject(detail.subject);
  info.set_field(detail.field);
  info.set_index(detail.index);
  if (detail.key.has_value()) info.set_key(*detail.key);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::optional<v1::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  v1::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

void CopyErrorInfo(const absl::Status& from, absl::Status* to) {
  auto payload = from.GetPayload(kErrorInfoTypeUrl);
  if (payload.has_value() && !to->ok()) {
    to->SetPayload(kErrorInfoTypeUrl, *payload);
  }
}

}  // namespace tailor
