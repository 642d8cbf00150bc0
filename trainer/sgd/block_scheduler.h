#ifndef TAILOR_TRAINER_SGD_BLOCK_SCHEDULER_H_
#define TAILOR_TRAINER_SGD_BLOCK_SCHEDULER_H_

// The non-deterministic (LIBMF-style) schedule: worker threads take any
// block of a grid x grid partition whose row range and column range no
// other thread holds, until every block has been processed once in the
// epoch. No barrier between strata, so a thread waits only when every
// remaining block conflicts with a held one. Thread-safe.

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace tailor {

class DynamicBlockScheduler {
 public:
  // `block_nnz[b]` (size grid * grid): empty blocks are never handed out.
  DynamicBlockScheduler(int grid, std::vector<int64_t> block_nnz,
                        uint64_t seed);

  // Makes every non-empty block pending again; call when no block is held.
  void StartEpoch(int epoch);

  // Blocks until a pending block with a free row range and column range
  // exists and returns its id (now held), or returns -1 when no block is
  // pending any more.
  int Acquire();

  // Returns a block from Acquire.
  void Release(int block);

 private:
  bool CanProceed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int grid_;
  const std::vector<int64_t> block_nnz_;
  const uint64_t seed_;
  absl::Mutex mu_;
  std::vector<char> pending_ ABSL_GUARDED_BY(mu_);
  std::vector<char> row_busy_ ABSL_GUARDED_BY(mu_);
  std::vector<char> col_busy_ ABSL_GUARDED_BY(mu_);
  std::vector<int> row_left_ ABSL_GUARDED_BY(mu_);  // pending per row range
  std::vector<int> col_left_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> tie_ ABSL_GUARDED_BY(mu_);  // random tie-breaks
  int pending_count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_BLOCK_SCHEDULER_H_
