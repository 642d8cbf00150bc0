#include "parameter_server/pending_push.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "parameter_server/ps_error.h"
#include "parameter_server/request_checks.h"

namespace tailor {

PendingPush::PendingPush(PushHeaderInfo header, int dim,
                         std::unique_ptr<UpdateRule> rule, uint64_t max_bytes)
    : header_(std::move(header)),
      dim_(dim),
      rule_(std::move(rule)),
      max_bytes_(max_bytes) {}

std::string PendingPush::Context() const {
  return absl::StrCat("Push to table '", header_.table, "'");
}

absl::Status PendingPush::AddChunk(absl::Span<const uint64_t> keys, int dim,
                                   absl::Span<const float> values) {
  const std::string context = Context();
  std::optional<uint64_t> previous;
  if (!keys_.empty()) previous = keys_.back();
  TAILOR_RETURN_IF_ERROR(
      CheckKeysAscending(keys, previous, context, "block.keys",
                         static_cast<int64_t>(keys_.size())));
  TAILOR_RETURN_IF_ERROR(
      CheckRowBlock(dim_, dim, keys.size(), values, context));
  const uint64_t bytes = payload_bytes() + 8 * keys.size() + 4 * values.size();
  if (bytes > max_bytes_) {
    ErrorDetail detail;
    detail.reason = v1::ERROR_REASON_PUSH_TOO_LARGE;
    detail.subject = header_.table;
    return PsError(absl::StatusCode::kResourceExhausted, detail,
                   absl::StrCat(context,
                                ": push exceeds this server's limit "
                                "of ",
                                max_bytes_,
                                " payload bytes; split it into several "
                                "pushes"));
  }
  keys_.insert(keys_.end(), keys.begin(), keys.end());
  values_.insert(values_.end(), values.begin(), values.end());
  return absl::OkStatus();
}

}  // namespace tailor
