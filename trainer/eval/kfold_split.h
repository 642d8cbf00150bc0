#ifndef TAILOR_TRAINER_EVAL_KFOLD_SPLIT_H_
#define TAILOR_TRAINER_EVAL_KFOLD_SPLIT_H_

// Surprise-style k-fold cross-validation over ratings (the "explicit
// ratings" protocol of DESIGN.md). All entries are shuffled with the seed;
// fold f takes the next n/k entries, the first n % k folds one more (as
// Surprise's KFold), so fold sizes differ by at most one. Fold f's test set
// is its entries, its train set everything else. Stateless.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "trainer/eval/split.h"

namespace tailor {

struct KFoldOptions {
  int folds = 5;      // >= 2 and <= number of entries
  uint64_t seed = 0;  // the shuffle's seed
};

// Returns `options.folds` splits. Errors: invalid matrix or timestamps,
// folds < 2, fewer entries than folds.
absl::StatusOr<std::vector<Split>> KFoldSplit(
    const CsrMatrix& ratings, absl::Span<const int64_t> timestamps,
    const KFoldOptions& options);

// The fold of every entry (in CSR order) under `options`; what KFoldSplit
// uses. Exposed for tests and for callers that only need the assignment.
absl::StatusOr<std::vector<int>> KFoldAssignment(int64_t num_entries,
                                                 const KFoldOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_KFOLD_SPLIT_H_
