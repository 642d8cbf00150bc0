#ifndef TAILOR_TRAINER_EVAL_TEMPORAL_SPLIT_H_
#define TAILOR_TRAINER_EVAL_TEMPORAL_SPLIT_H_

// Temporal split: entries with timestamp < cutoff train, the others test.
// Users and items with test entries but no train entry are "new" (cold
// start); the test set is also returned in three disjoint parts so metrics
// can be reported apart: warm (known user and item), new users (every entry
// of a user without train entries), and new items (known user, unknown item).
// Stateless.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "trainer/eval/split.h"

namespace tailor {

struct TemporalSplit {
  Split split;
  std::vector<uint32_t> new_users;  // sorted; test entries, no train entries
  std::vector<uint32_t> new_items;  // sorted; test entries, no train entries
  CsrMatrix test_warm;
  CsrMatrix test_new_users;
  CsrMatrix test_new_items;
};

// Errors: invalid matrix, missing timestamps, or an empty train or test side.
absl::StatusOr<TemporalSplit> TemporalCutoff(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    int64_t cutoff);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_TEMPORAL_SPLIT_H_
