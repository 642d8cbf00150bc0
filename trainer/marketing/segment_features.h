#ifndef TAILOR_TRAINER_MARKETING_SEGMENT_FEATURES_H_
#define TAILOR_TRAINER_MARKETING_SEGMENT_FEATURES_H_

// The standardized feature matrix K-means segments users on: for every user
// with events, recency_days and tenure_days (when the data has timestamps),
// frequency, events, distinct_items and monetary (when the data has
// amounts), each as ln(1 + max(0, x)), then optionally the user's factor
// row; every column is then z-scored (a constant column becomes 0).
// A plain value type.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/format/factor_table.h"
#include "trainer/marketing/profile.h"

namespace tailor {

struct SegmentFeatures {
  std::vector<std::string> names;
  std::vector<bool> log_scaled;
  std::vector<double> mean, stddev;  // of the (log) columns
  std::vector<int64_t> users;        // dense user index of each row
  int dim = 0;
  std::vector<float> values;  // users.size() x dim, standardized

  // A standardized point back in original units.
  std::vector<double> ToOriginalUnits(const float* standardized) const;
};

// `user_factors` may be null; users missing from it get zero factors.
// INVALID_ARGUMENT when no user has events.
absl::StatusOr<SegmentFeatures> BuildSegmentFeatures(
    const UserProfiles& profiles, const FactorTable* user_factors);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_SEGMENT_FEATURES_H_
