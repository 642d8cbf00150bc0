#ifndef TAILOR_TRAINER_MARKETING_KMEANS_H_
#define TAILOR_TRAINER_MARKETING_KMEANS_H_

// K-means (Lloyd's objective) on dense float points, row-major n x dim
// (point i is points[i * dim .. i * dim + dim)). Initialization is greedy
// k-means++ (2 + floor(ln k) candidates per step, the best kept), restarts
// keep the lowest inertia, and each Lloyd iteration skips distance
// computations with Hamerly's bounds (the result is that of plain Lloyd up
// to float rounding). Stops when no label changes or when the squared
// centroid movement summed over clusters is <= tolerance * mean per-dimension
// variance (scikit-learn's rule). Uses OpenMP threads; results depend only
// on the input and seed, never on the thread count (partial sums are reduced
// in a fixed order). Thread-safe (no shared state).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tailor {

struct KMeansOptions {
  int k = 8;
  int restarts = 4;  // independent k-means++ starts; best inertia wins
  int max_iterations = 300;
  double tolerance = 1e-4;  // relative to the mean per-dimension variance
  uint64_t seed = 1;
};

struct KMeansResult {
  int k = 0;
  int dim = 0;
  std::vector<float> centroids;  // k x dim, row-major
  std::vector<int32_t> labels;   // per point, 0..k-1
  double inertia = 0;            // sum of squared distances to centroids
  int iterations = 0;            // Lloyd iterations of the best restart
  int best_restart = 0;
  std::vector<double> restart_inertia;
  int64_t distance_evaluations = 0;  // all restarts; shows the bound savings
};

// INVALID_ARGUMENT when dim < 1, the point count is not a multiple of dim,
// a value is not finite, k < 1, k > number of points, restarts < 1 or
// max_iterations < 1; each message names the value.
absl::StatusOr<KMeansResult> RunKMeans(absl::Span<const float> points, int dim,
                                       const KMeansOptions& options);

// Squared Euclidean distance from every point to its nearest of `centroids`
// (k x dim), summed (the inertia of a nearest-centroid assignment).
double NearestCentroidInertia(absl::Span<const float> points, int dim,
                              absl::Span<const float> centroids);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_KMEANS_H_
