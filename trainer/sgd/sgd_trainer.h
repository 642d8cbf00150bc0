#ifndef TAILOR_TRAINER_SGD_SGD_TRAINER_H_
#define TAILOR_TRAINER_SGD_SGD_TRAINER_H_

// Single-process SGD training of biased_mf / pmf / nmf / bpr / logistic on
// a user-major CsrMatrix, parallelized over the blocks of a balanced grid
// (see block_grid.h and docs/algorithms/sgd.md). Not thread-safe: one
// caller drives it; RunEpoch uses options.threads OpenMP threads inside.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "trainer/sgd/alias_sampler.h"
#include "trainer/sgd/block_grid.h"
#include "trainer/sgd/block_scheduler.h"
#include "trainer/sgd/sgd_kernels.h"
#include "trainer/sgd/sgd_options.h"

namespace tailor {

// The trained parameters; factor tables are row-major rows x factors.
// Biases are empty for algorithms without them (pmf, nmf: both; bpr: user).
struct SgdModel {
  int factors = 0;
  float global_mean = 0;  // biased_mf: mean training rating, else 0
  std::vector<float> user_factors, item_factors, user_bias, item_bias;
};

struct SgdEpochStats {
  int epoch = 0;         // 0-based index of the epoch just run
  double loss = 0;       // mean data loss during the pass (MSE for
                         // ratings, see sgd_kernels.h)
  int64_t examples = 0;  // SGD steps taken
  int64_t skipped_negatives = 0;
  float learning_rate = 0;  // after the schedule
  double seconds = 0;       // wall clock
  double cpu_seconds = 0;   // process CPU time (all threads) in the epoch
  double updates_per_second = 0;
};

class SgdTrainer {
 public:
  // Fails (InvalidArgument, naming the problem) on invalid options, an
  // invalid or empty matrix, or ids beyond 2^32.
  static absl::StatusOr<std::unique_ptr<SgdTrainer>> Create(
      const SgdOptions& options, const CsrMatrix& user_items);

  // One pass over every nonzero. Returns FailedPrecondition if the loss or
  // a parameter became non-finite, or the loss exceeded divergence_factor x
  // the first epoch's (a diverging learning rate); the trainer then keeps
  // returning that error.
  absl::StatusOr<SgdEpochStats> RunEpoch();

  // Mean per-example data loss at the current parameters over the whole
  // training matrix (bpr / logistic: with negatives from a fixed seed).
  double TrainLoss() const;

  float Predict(uint32_t user, uint32_t item) const;
  const SgdModel& model() const { return model_; }
  SgdModel* mutable_model() { return &model_; }  // e.g. to restore
  int epochs_done() const { return epoch_; }
  void set_epochs_done(int epoch) { epoch_ = epoch; }  // resume
  const SgdOptions& options() const { return options_; }
  const GridPartition& grid() const { return grid_; }

 private:
  SgdTrainer() = default;
  SgdStepParams StepParams(float learning_rate) const;
  BlockStats RunBlock(int block, const SgdStepParams& params, int epoch);

  SgdOptions options_;
  SgdModel model_;
  GridPartition grid_;
  std::vector<SgdBlock> blocks_;
  // Per column range, popularity sampling only (null: uniform).
  std::vector<std::unique_ptr<AliasSampler>> samplers_;
  std::unique_ptr<DynamicBlockScheduler> scheduler_;
  int epoch_ = 0;
  double first_loss_ = -1;
  absl::Status failed_;
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_SGD_TRAINER_H_
