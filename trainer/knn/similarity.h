#ifndef TAILOR_TRAINER_KNN_SIMILARITY_H_
#define TAILOR_TRAINER_KNN_SIMILARITY_H_

// Top-K neighbour tables between the rows of a sparse matrix: item-item from
// an item-major matrix, user-user from a user-major one (docs/algorithms/
// knn.md has the formulas). Computed as a sparse X X^T, one row at a time
// through the transpose, rows spread over OpenMP threads, each row's best K
// kept with a bounded heap. Only similarities > 0 are kept (the predictors,
// like Surprise's, use only positive neighbours). Stateless functions.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"

namespace tailor {

enum class SimilarityMetric {
  kCosine,          // x.y / (|x| |y|), norms over all entries (implicit data)
  kCosineCoRated,   // cosine over co-rated entries only (Surprise `cosine`)
  kPearson,         // Pearson over co-rated entries (Surprise `pearson`)
  kAdjustedCosine,  // co-rated cosine of values centred by the other side's
                    // row means (item-based: user means; Sarwar et al.)
  kMsd,             // 1 / (mean squared difference + 1) (Surprise `msd`)
};

struct SimilarityOptions {
  SimilarityMetric metric = SimilarityMetric::kCosine;
  int max_neighbors = 100;  // kept per row; 0 keeps every positive one
  double shrinkage = 0;     // sim * n / (n + shrinkage), n = common entries
  int min_support = 1;      // pairs with fewer common entries are dropped
};

// Row r's neighbours are neighbors[indptr[r] .. indptr[r+1]), sorted by
// similarity descending, ties by index ascending; never r itself.
struct NeighborTable {
  int64_t rows = 0;
  std::vector<int64_t> indptr = {0};
  std::vector<uint32_t> neighbors;
  std::vector<float> similarities;

  int64_t RowSize(int64_t r) const { return indptr[r + 1] - indptr[r]; }
};

// Similarities between the rows of `rows_major` (rows = entities to
// compare). Errors: invalid matrix, max_neighbors < 0, shrinkage < 0,
// min_support < 1.
absl::StatusOr<NeighborTable> ComputeNeighbors(
    const CsrMatrix& rows_major, const SimilarityOptions& options);

// Checks the table's invariants (sizes, ids < rows, finite positive
// similarities, sorted rows). Errors name the first violation.
absl::Status ValidateNeighborTable(const NeighborTable& table);

const char* SimilarityMetricName(SimilarityMetric metric);

}  // namespace tailor

#endif  // TAILOR_TRAINER_KNN_SIMILARITY_H_
