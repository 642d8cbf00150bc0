#include "trainer/sgd/block_scheduler.h"

#include <utility>

#include "absl/base/internal/raw_logging.h"
#include "trainer/sgd/sgd_random.h"

namespace tailor {

DynamicBlockScheduler::DynamicBlockScheduler(int grid,
                                             std::vector<int64_t> block_nnz,
                                             uint64_t seed)
    : grid_(grid), block_nnz_(std::move(block_nnz)), seed_(seed) {
  ABSL_RAW_CHECK(block_nnz_.size() == static_cast<size_t>(grid) * grid,
                 "block_nnz must have grid * grid entries");
  absl::MutexLock lock(&mu_);
  pending_.assign(block_nnz_.size(), 0);
  row_busy_.assign(grid, 0);
  col_busy_.assign(grid, 0);
  row_left_.assign(grid, 0);
  col_left_.assign(grid, 0);
  tie_.assign(block_nnz_.size(), 0);
}

void DynamicBlockScheduler::StartEpoch(int epoch) {
  absl::MutexLock lock(&mu_);
  SplitMix64 rng(DeriveSeed(seed_, static_cast<uint64_t>(epoch), 0, 0xd1));
  pending_count_ = 0;
  row_left_.assign(grid_, 0);
  col_left_.assign(grid_, 0);
  for (size_t b = 0; b < block_nnz_.size(); ++b) {
    ABSL_RAW_CHECK(!row_busy_[b / grid_] && !col_busy_[b % grid_],
                   "StartEpoch while a block is held");
    pending_[b] = block_nnz_[b] > 0;
    tie_[b] = static_cast<uint32_t>(rng.Next());
    if (pending_[b]) {
      ++pending_count_;
      ++row_left_[b / grid_];
      ++col_left_[b % grid_];
    }
  }
}

bool DynamicBlockScheduler::CanProceed() const {
  if (pending_count_ == 0) return true;
  for (size_t b = 0; b < pending_.size(); ++b) {
    if (pending_[b] && !row_busy_[b / grid_] && !col_busy_[b % grid_]) {
      return true;
    }
  }
  return false;
}

int DynamicBlockScheduler::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &DynamicBlockScheduler::CanProceed));
  if (pending_count_ == 0) return -1;
  // Prefer blocks whose row and column ranges have the most work left, so
  // the end of the epoch is not left with blocks that all conflict.
  int best = -1;
  int best_left = -1;
  uint32_t best_tie = 0;
  for (size_t b = 0; b < pending_.size(); ++b) {
    const int r = static_cast<int>(b) / grid_, c = static_cast<int>(b) % grid_;
    if (!pending_[b] || row_busy_[r] || col_busy_[c]) continue;
    const int left = row_left_[r] + col_left_[c];
    if (left > best_left || (left == best_left && tie_[b] > best_tie)) {
      best = static_cast<int>(b);
      best_left = left;
      best_tie = tie_[b];
    }
  }
  const int r = best / grid_, c = best % grid_;
  pending_[best] = 0;
  --pending_count_;
  --row_left_[r];
  --col_left_[c];
  row_busy_[r] = 1;
  col_busy_[c] = 1;
  return best;
}

void DynamicBlockScheduler::Release(int block) {
  absl::MutexLock lock(&mu_);
  const int r = block / grid_, c = block % grid_;
  ABSL_RAW_CHECK(row_busy_[r] && col_busy_[c], "Release of a block not held");
  row_busy_[r] = 0;
  col_busy_[c] = 0;
}

}  // namespace tailor
