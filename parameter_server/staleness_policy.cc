#include "parameter_server/staleness_policy.h"

#include "absl/strings/str_cat.h"
#include "parameter_server/ps_error.h"

namespace tailor {

bool StalenessPolicy::MayProceed(int64_t min_clock, int64_t clock,
                                 uint32_t staleness) {
  return min_clock >= clock - static_cast<int64_t>(staleness);
}

bool StalenessPolicy::MayServe(int64_t min_clock, int64_t required_min_clock) {
  return min_clock >= required_min_clock;
}

absl::Status StalenessPolicy::CheckAdvance(uint32_t worker_index,
                                           int64_t recorded,
                                           int64_t requested) {
  if (requested < 0) {
    ErrorDetail detail;
    detail.reason = v1::ERROR_REASON_OUT_OF_RANGE_VALUE;
    detail.field = "clock";
    return PsError(absl::StatusCode::kInvalidArgument, detail,
                   absl::StrCat("Clock of worker slot ", worker_index,
                                ": clock ", requested, " is negative"));
  }
  if (requested < recorded) {
    ErrorDetail detail;
    detail.reason = v1::ERROR_REASON_CLOCK_MISMATCH;
    detail.field = "clock";
    return PsError(
        absl::StatusCode::kFailedPrecondition, detail,
        absl::StrCat("Clock of worker slot ", worker_index, ": clock ",
                     requested, " is behind the recorded clock ", recorded,
                     " (clocks never go back)"));
  }
  return absl::OkStatus();
}

}  // namespace tailor
