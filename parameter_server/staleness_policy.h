#ifndef TAILOR_PARAMETER_SERVER_STALENESS_POLICY_H_
#define TAILOR_PARAMETER_SERVER_STALENESS_POLICY_H_

// The consistency rules of docs/protocols.md section 7 as pure functions of
// clock values: synchronous training is staleness 0, stale synchronous
// parallel is a bound s > 0. Stateless; thread-safe.

#include <cstdint>

#include "absl/status/status.h"

namespace tailor {

class StalenessPolicy {
 public:
  // A worker that advanced to `clock` with bound `staleness` may proceed once
  // the slowest slot's clock `min_clock` >= clock - staleness.
  static bool MayProceed(int64_t min_clock, int64_t clock, uint32_t staleness);
  // A Pull or GramPartial with `required_min_clock` may be served once
  // `min_clock` >= required_min_clock.
  static bool MayServe(int64_t min_clock, int64_t required_min_clock);
  // Whether slot with recorded clock `recorded` may move to `requested`:
  // OK when requested >= recorded (equal is a harmless repeat);
  // FAILED_PRECONDITION (ERROR_REASON_CLOCK_MISMATCH) when it goes back;
  // INVALID_ARGUMENT when requested < 0.
  static absl::Status CheckAdvance(uint32_t worker_index, int64_t recorded,
                                   int64_t requested);
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_STALENESS_POLICY_H_
