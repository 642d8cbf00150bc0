#ifndef TAILOR_TRAINER_EVAL_RATING_METRICS_H_
#define TAILOR_TRAINER_EVAL_RATING_METRICS_H_

// Error metrics of rating predictions: RMSE = sqrt(mean((p - t)^2)) and
// MAE = mean(|p - t|), accumulated in double. Pure functions.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tailor {

struct RatingErrors {
  double rmse = 0;
  double mae = 0;
  int64_t count = 0;
};

// Errors: sizes differ, no entries, or a non-finite prediction (named by
// position).
absl::StatusOr<RatingErrors> ComputeRatingErrors(
    absl::Span<const float> truth, absl::Span<const float> predicted);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_RATING_METRICS_H_
