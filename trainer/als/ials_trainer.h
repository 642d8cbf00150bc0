#ifndef TAILOR_TRAINER_ALS_IALS_TRAINER_H_
#define TAILOR_TRAINER_ALS_IALS_TRAINER_H_

// Single-process implicit ALS: owns the interaction matrix in both
// orientations and both factor tables, and alternates half-steps (users
// against fixed items, then items against fixed users), each computing the
// fixed side's Gram once. Not thread-safe; each call parallelizes internally
// over options.threads OpenMP threads, and results are bitwise identical for
// every thread count.

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "trainer/als/factor_matrix.h"
#include "trainer/als/implicit_als.h"

namespace tailor {

struct EpochStats {
  double seconds = 0;       // whole epoch
  double gram_seconds = 0;  // both Gram matrices
  double user_seconds = 0;  // user solves (without Gram)
  double item_seconds = 0;  // item solves (without Gram)
  double flops = 0;         // executed, solves and Grams
  double bytes = 0;         // compulsory traffic model
  int64_t nnz = 0;          // entries visited (both half-steps)
};

class IalsTrainer {
 public:
  // Validates options and the matrix (ValidateCsr; values >= 0; at least one
  // row, column and entry) and initializes both tables ~ N(0, stddev^2).
  static absl::StatusOr<std::unique_ptr<IalsTrainer>> Create(
      const IalsOptions& options, CsrMatrix user_items);

  // One user half-step then one item half-step.
  absl::StatusOr<EpochStats> RunEpoch();
  absl::Status SolveUsers(EpochStats* stats = nullptr);
  absl::Status SolveItems(EpochStats* stats = nullptr);
  // The full objective of docs/algorithms/als.md.
  double Loss() const;

  const IalsOptions& options() const { return options_; }
  const CsrMatrix& user_items() const { return user_items_; }
  const FactorMatrix& user_factors() const { return users_; }
  const FactorMatrix& item_factors() const { return items_; }
  // For resuming from a checkpoint; shapes must stay the same.
  FactorMatrix& mutable_user_factors() { return users_; }
  FactorMatrix& mutable_item_factors() { return items_; }

 private:
  IalsTrainer(const IalsOptions& options, CsrMatrix user_items);

  IalsOptions options_;
  CsrMatrix user_items_;
  CsrMatrix item_users_;
  FactorMatrix users_;
  FactorMatrix items_;
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_IALS_TRAINER_H_
