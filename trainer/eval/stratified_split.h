#ifndef TAILOR_TRAINER_EVAL_STRATIFIED_SPLIT_H_
#define TAILOR_TRAINER_EVAL_STRATIFIED_SPLIT_H_

// Microsoft Recommenders' per-user stratified random split
// (python_stratified_split with filter_by="user", min_rating=1): each user's
// entries are shuffled with the seed and the first round(ratio * n) go to
// train, the rest to test, where round() is Python's round-half-to-even of
// the double product (n = 2 -> 2 train, 6 -> 4, 10 -> 8, 14 -> 10 at 0.75).
// A user with one entry keeps it in train. Stateless.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "trainer/eval/split.h"

namespace tailor {

struct StratifiedSplitOptions {
  double train_ratio = 0.75;  // in (0, 1)
  uint64_t seed = 42;
};

// Errors: invalid matrix or timestamps, ratio outside (0, 1).
absl::StatusOr<Split> StratifiedSplit(const CsrMatrix& interactions,
                                      absl::Span<const int64_t> timestamps,
                                      const StratifiedSplitOptions& options);

// Python's round(ratio * n) (half to even): the train count of a user with n
// entries.
int64_t StratifiedTrainCount(double ratio, int64_t n);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_STRATIFIED_SPLIT_H_
