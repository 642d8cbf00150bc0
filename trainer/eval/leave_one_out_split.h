#ifndef TAILOR_TRAINER_EVAL_LEAVE_ONE_OUT_SPLIT_H_
#define TAILOR_TRAINER_EVAL_LEAVE_ONE_OUT_SPLIT_H_

// NCF-style leave-one-out: one interaction per user goes to test, either the
// latest by timestamp (ties broken by a seeded random choice among the
// entries sharing the latest timestamp) or one chosen uniformly at random.
// Users with fewer than two interactions keep everything in train and are
// counted in `users_skipped`. SampleNegatives draws the sampled negatives the
// protocol ranks the held-out item against, when the data has none. Stateless.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "trainer/eval/split.h"

namespace tailor {

enum class HoldOutChoice { kLatest, kRandom };

struct LeaveOneOutOptions {
  HoldOutChoice choice = HoldOutChoice::kLatest;  // kLatest needs timestamps
  uint64_t seed = 0;
};

struct LeaveOneOutSplit {
  Split split;                // test has at most one entry per user
  int64_t users_skipped = 0;  // users with < 2 interactions
};

// Errors: invalid matrix or timestamps, kLatest without timestamps.
absl::StatusOr<LeaveOneOutSplit> LeaveOneOut(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    const LeaveOneOutOptions& options);

// For every user with a test entry, `per_user` distinct items drawn
// uniformly among the items the user has no interaction with in `all`
// (train and test together). Returns a matrix of the shape of `all` whose
// row u lists u's negatives (sorted; data 1). Errors: invalid input, shapes
// differ, per_user < 1, or a user without enough unseen items.
absl::StatusOr<CsrMatrix> SampleNegatives(const CsrMatrix& all,
                                          const CsrMatrix& test, int per_user,
                                          uint64_t seed);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_LEAVE_ONE_OUT_SPLIT_H_
