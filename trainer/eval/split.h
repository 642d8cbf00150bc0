#ifndef TAILOR_TRAINER_EVAL_SPLIT_H_
#define TAILOR_TRAINER_EVAL_SPLIT_H_

// The common result of every split protocol (see docs/evaluation.md) and the
// helpers they share. Conventions: interactions are a user-major CsrMatrix
// (rows sorted and unique) with optional per-entry timestamps (empty, or one
// per entry, parallel to `indices`). Train and test always have the shape of
// the input. Every split is deterministic for a given seed.

#include <cstdint>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"

namespace tailor {

struct Split {
  CsrMatrix train;
  CsrMatrix test;
  // Parallel to train.indices / test.indices; empty when the input had none.
  std::vector<int64_t> train_timestamps;
  std::vector<int64_t> test_timestamps;
};

// The random generator of every split (std::mt19937_64 is fully specified by
// the standard, so results do not depend on the standard library).
using SplitRng = std::mt19937_64;

// A uniform integer in [0, n) (n > 0), independent of the library's
// distributions (Lemire's multiply-shift; bias below 2^-40 for n < 2^24).
uint64_t UniformIndex(SplitRng& rng, uint64_t n);

// Fisher-Yates shuffle driven by UniformIndex.
template <typename T>
void ShuffleWith(SplitRng& rng, std::vector<T>& values) {
  for (size_t i = values.size(); i > 1; --i) {
    std::swap(values[i - 1], values[UniformIndex(rng, i)]);
  }
}

// Checks `m` with ValidateCsr and that `timestamps` is empty or has m.nnz()
// entries. Errors name `what`.
absl::Status ValidateInteractions(const CsrMatrix& m,
                                  absl::Span<const int64_t> timestamps,
                                  const char* what);

// Puts entry p of `m` into test when to_test[p] != 0, else into train.
// Timestamps are carried along when given. Requires to_test.size() == nnz.
Split SplitByMask(const CsrMatrix& m, absl::Span<const int64_t> timestamps,
                  const std::vector<uint8_t>& to_test);

// Keeps the entries of `m` with keep[p] != 0 (same shape).
CsrMatrix FilterEntries(const CsrMatrix& m, const std::vector<uint8_t>& keep);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_SPLIT_H_
