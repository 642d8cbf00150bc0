#ifndef TAILOR_TRAINER_EVAL_STRONG_GENERALIZATION_SPLIT_H_
#define TAILOR_TRAINER_EVAL_STRONG_GENERALIZATION_SPLIT_H_

// Strong generalization (Liang et al. 2018, "revisiting iALS" 2021): a
// seeded random set of users is held out of training entirely. Their entries
// on items that never occur in train are dropped (as Liang et al. do); of the
// rest, for a user with at least `min_entries_to_split` entries,
// floor(test_fraction * n) random entries go to `test` and the others to
// `fold_in`; a user with fewer keeps everything in `fold_in` (and has no test
// items, so evaluation skips it). Stateless.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"

namespace tailor {

struct StrongGeneralizationOptions {
  int64_t heldout_users = 0;   // >= 1 and < number of non-empty users
  double test_fraction = 0.2;  // in (0, 1)
  int64_t min_entries_to_split = 5;
  uint64_t seed = 0;
};

struct StrongGeneralizationSplit {
  CsrMatrix train;    // rows of non-held-out users only
  CsrMatrix fold_in;  // held-out users' entries given to the model
  CsrMatrix test;     // held-out users' entries to predict
  std::vector<uint32_t> heldout_users;  // sorted
  int64_t dropped_unseen_item_entries = 0;
};

// Errors: invalid matrix or timestamps, options out of range.
absl::StatusOr<StrongGeneralizationSplit> StrongGeneralization(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    const StrongGeneralizationOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_STRONG_GENERALIZATION_SPLIT_H_
