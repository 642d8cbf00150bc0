#ifndef TAILOR_RANKER_MODEL_FOLD_IN_H_
#define TAILOR_RANKER_MODEL_FOLD_IN_H_

// Fold-in of a user the model has not seen: the closed-form implicit-ALS
// user step against fixed item factors Y (docs/algorithms/als.md):
//   (g G + sum_i w_i y_i y_i^T + lambda I) x = sum_i c_i y_i,
// G = Y^T Y (computed once, in Create), c_i = 1 + alpha r_i, and
// g = 1, w_i = c_i - 1 (classic, alpha0 = 0) or g = alpha0, w_i = c_i.
// Immutable after Create; Solve is thread-safe.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tailor::ranker {

struct FoldInOptions {
  float regularization = 0.01f;  // lambda >= 0
  float alpha = 1.0f;            // >= 0
  float alpha0 = 0.0f;           // >= 0
};

class FoldInSolver {
 public:
  // `items` is row-major rows x dim (borrowed; must outlive the solver).
  // INVALID_ARGUMENT for bad options or shapes.
  static absl::StatusOr<std::unique_ptr<FoldInSolver>> Create(
      const FoldInOptions& options, const float* items, int64_t rows, int dim);

  // Factors of a user with `values[j]` > 0 on item row `rows[j]` (rows
  // distinct, < rows()). INVALID_ARGUMENT for bad input; INTERNAL when the
  // system is not positive definite (only possible with lambda = 0).
  absl::StatusOr<std::vector<float>> Solve(
      absl::Span<const int64_t> rows, absl::Span<const float> values) const;

  int dim() const { return dim_; }
  int64_t rows() const { return rows_; }

 private:
  FoldInSolver(const FoldInOptions& o, const float* items, int64_t rows,
               int dim)
      : options_(o), items_(items), rows_(rows), dim_(dim) {}

  FoldInOptions options_;
  const float* items_;
  int64_t rows_;
  int dim_;
  std::vector<double> gram_;  // dim x dim, g * Y^T Y + lambda I
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_FOLD_IN_H_
