#ifndef TAILOR_TRAINER_MARKETING_LIFECYCLE_H_
#define TAILOR_TRAINER_MARKETING_LIFECYCLE_H_

// Lifecycle stage of a user relative to the dataset's end time (the latest
// event timestamp). Rules, first match wins (docs/marketing.md):
//   none     the user has no events
//   unknown  the dataset has no timestamps
//   churned  last event more than churned_days before the end time
//   at_risk  last event more than at_risk_days before the end time
//   new      first event at most new_days before the end time
//   loyal    frequency >= the loyal threshold (see LoyalFrequencyThreshold)
//   active   everything else
// Pure functions; thread-safe.

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tailor {

enum class LifecycleStage : uint8_t {
  kNone = 0,
  kUnknown = 1,
  kNew = 2,
  kActive = 3,
  kLoyal = 4,
  kAtRisk = 5,
  kChurned = 6,
};
inline constexpr int kLifecycleStageCount = 7;

// "none", "unknown", "new", "active", "loyal", "at_risk", "churned".
absl::string_view LifecycleStageName(LifecycleStage stage);

struct LifecycleOptions {
  double new_days = 30;       // first event within this many days: new
  double at_risk_days = 90;   // last event older than this: at risk
  double churned_days = 180;  // last event older than this: churned
  // Loyal users have a frequency at or above this quantile of the
  // frequencies of users with events (and at least 2).
  double loyal_frequency_quantile = 0.8;
};

// The loyal frequency threshold: max(2, the `quantile` quantile (lower
// nearest rank) of the positive entries of `frequency`); 2 when none.
int64_t LoyalFrequencyThreshold(absl::Span<const int64_t> frequency,
                                double quantile);

// Stage of one user. `recency_days` and `tenure_days` are days from the last
// and first event to the end time; `events` the user's event count.
LifecycleStage ClassifyLifecycle(bool has_timestamps, int64_t events,
                                 double recency_days, double tenure_days,
                                 int64_t frequency, int64_t loyal_threshold,
                                 const LifecycleOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_LIFECYCLE_H_
