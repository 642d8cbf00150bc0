#ifndef TAILOR_TRAINER_MARKETING_SILHOUETTE_H_
#define TAILOR_TRAINER_MARKETING_SILHOUETTE_H_

// Mean silhouette coefficient of a clustering (Rousseeuw 1987) with
// Euclidean distances: s(i) = (b - a) / max(a, b), a = mean distance to the
// other members of i's cluster, b = the smallest mean distance to the
// members of another cluster; s(i) = 0 when i is alone in its cluster (as
// scikit-learn). Exact for n <= sample_size; otherwise computed on
// `sample_size` points drawn without replacement with `seed` (a, b then use
// the sample only). O(s^2 dim); OpenMP. Thread-safe.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tailor {

// INVALID_ARGUMENT when shapes disagree, a label is outside 0..k-1, or fewer
// than 2 clusters (or no more clusters than points) occur in the sample.
absl::StatusOr<double> SampledSilhouette(absl::Span<const float> points,
                                         int dim,
                                         absl::Span<const int32_t> labels,
                                         int k, int64_t sample_size,
                                         uint64_t seed);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_SILHOUETTE_H_
