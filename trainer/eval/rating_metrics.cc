#include "trainer/eval/rating_metrics.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor {

absl::StatusOr<RatingErrors> ComputeRatingErrors(
    absl::Span<const float> truth, absl::Span<const float> predicted) {
  if (truth.size() != predicted.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rating errors: ", truth.size(), " true ratings but ",
                     predicted.size(), " predictions"));
  }
  if (truth.empty()) {
    return absl::InvalidArgumentError("rating errors: the test set is empty");
  }
  double squared = 0, absolute = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (!std::isfinite(predicted[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("rating errors: prediction ", i, " is not finite (",
                       predicted[i], ")"));
    }
    const double d = static_cast<double>(predicted[i]) - truth[i];
    squared += d * d;
    absolute += std::abs(d);
  }
  RatingErrors errors;
  errors.count = static_cast<int64_t>(truth.size());
  errors.rmse = std::sqrt(squared / errors.count);
  errors.mae = absolute / errors.count;
  return errors;
}

}  // namespace tailor
