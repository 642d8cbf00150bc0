#ifndef TAILOR_RANKER_SCORING_MICRO_BATCHER_H_
#define TAILOR_RANKER_SCORING_MICRO_BATCHER_H_

// Gathers concurrent single top-k queries against one ItemScorer into one
// batched scan (ItemScorer::TopKBatch), so the item matrix streams through
// the cache once per batch instead of once per query. No threads of its own:
// the first caller to find no open batch opens one, waits up to window_us
// (or until max_batch queries joined) and then, while max_concurrent
// batches are already running, keeps the batch open so it goes on filling;
// then it closes the batch and runs it on its own thread while the others
// block on their per-query completion. So under load batches grow instead
// of piling up as concurrent scans. Thread-safe.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ranker/scoring/exclusion_set.h"
#include "ranker/scoring/item_scorer.h"

namespace tailor::ranker {

struct MicroBatcherOptions {
  // Longest the first query of a batch waits for others. Default 200.
  int64_t window_us = 200;
  // A batch closes as soon as it holds this many queries (>= 1). Default 16.
  int max_batch = 16;
  // Batches running at once (>= 1; the cores that serve). Default 2.
  int max_concurrent = 2;
};

class MicroBatcher {
 public:
  // INVALID_ARGUMENT for a null scorer, window_us < 0, max_batch < 1 or
  // max_concurrent < 1.
  static absl::StatusOr<std::unique_ptr<MicroBatcher>> Create(
      std::shared_ptr<const ItemScorer> scorer,
      const MicroBatcherOptions& options);

  // Same contract and errors as ItemScorer::TopK without restrict_to (bad
  // queries fail alone, before joining a batch). Blocks until the batch
  // holding this query has run. `query` and `excluded` are used until then.
  absl::Status TopK(absl::Span<const float> query, int count,
                    const ExclusionSet* excluded, std::vector<ScoredItem>* out);

  struct Stats {
    int64_t batches = 0;
    int64_t queries = 0;
    int64_t largest_batch = 0;
  };
  Stats stats() const;

  const ItemScorer& scorer() const { return *scorer_; }

  ~MicroBatcher();

 private:
  struct Batch;
  MicroBatcher(std::shared_ptr<const ItemScorer> scorer,
               const MicroBatcherOptions& options);

  const std::shared_ptr<const ItemScorer> scorer_;
  const MicroBatcherOptions options_;
  mutable absl::Mutex mu_;
  // The batch now accepting queries (null when none is open).
  std::shared_ptr<Batch> open_ ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);
  // Batches now running.
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SCORING_MICRO_BATCHER_H_
