#ifndef TAILOR_PARAMETER_SERVER_PS_ERROR_H_
#define TAILOR_PARAMETER_SERVER_PS_ERROR_H_

// absl::Status values that carry a tailor.v1.ErrorInfo (common.proto) as a
// payload, so the service adapter can put it in the gRPC error details and
// the client can give it back to its caller. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tailor/v1/common.pb.h"

namespace tailor {

// Type URL under which the serialized ErrorInfo is stored in the payload.
inline constexpr absl::string_view kErrorInfoTypeUrl =
    "type.googleapis.com/tailor.v1.ErrorInfo";

struct ErrorDetail {
  v1::ErrorReason reason = v1::ERROR_REASON_UNSPECIFIED;
  std::string subject;  // table name, path, ...
  std::string field;    // dotted request field
  int64_t index = -1;   // first offending element
  std::optional<uint64_t> key;
};

// A status with `code`, `message` and the ErrorInfo built from `detail`.
absl::Status PsError(absl::StatusCode code, const ErrorDetail& detail,
                     absl::string_view message);

// The ErrorInfo of `status`, if it carries one.
std::optional<v1::ErrorInfo> GetErrorInfo(const absl::Status& status);

// Copies the ErrorInfo payload of `from` (if any) into `to`.
void CopyErrorInfo(const absl::Status& from, absl::Status* to);

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_PS_ERROR_H_
