#include "trainer/eval/kfold_split.h"

#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {

absl::StatusOr<std::vector<int>> KFoldAssignment(int64_t num_entries,
                                                 const KFoldOptions& options) {
  if (options.folds < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("k-fold split: folds must be >= 2, got ", options.folds));
  }
  if (num_entries < options.folds) {
    return absl::InvalidArgumentError(
        absl::StrCat("k-fold split: ", num_entries, " entries cannot fill ",
                     options.folds, " folds"));
  }
  std::vector<int64_t> order(num_entries);
  std::iota(order.begin(), order.end(), 0);
  SplitRng rng(options.seed);
  ShuffleWith(rng, order);
  std::vector<int> fold_of(num_entries);
  const int64_t base = num_entries / options.folds;
  const int64_t extra = num_entries % options.folds;
  int64_t start = 0;
  for (int f = 0; f < options.folds; ++f) {
    const int64_t stop = start + base + (f < extra ? 1 : 0);
    for (int64_t i = start; i < stop; ++i) fold_of[order[i]] = f;
    start = stop;
  }
  return fold_of;
}

absl::StatusOr<std::vector<Split>> KFoldSplit(
    const CsrMatrix& ratings, absl::Span<const int64_t> timestamps,
    const KFoldOptions& options) {
  TAILOR_RETURN_IF_ERROR(
      ValidateInteractions(ratings, timestamps, "k-fold split input"));
  TAILOR_ASSIGN_OR_RETURN(std::vector<int> fold_of,
                          KFoldAssignment(ratings.nnz(), options));
  std::vector<Split> splits;
  splits.reserve(options.folds);
  std::vector<uint8_t> to_test(ratings.nnz());
  for (int f = 0; f < options.folds; ++f) {
    for (int64_t p = 0; p < ratings.nnz(); ++p) to_test[p] = fold_of[p] == f;
    splits.push_back(SplitByMask(ratings, timestamps, to_test));
  }
  return splits;
}

}  // namespace tailor
