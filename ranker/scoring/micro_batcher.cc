#include "ranker/scoring/micro_batcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "core/status_macros.h"

namespace tailor::ranker {

// One batch: filled while open (under the batcher's mutex), run by its
// leader outside the mutex, then marked done; each member reads only its
// own slot of `results` after done.
struct MicroBatcher::Batch {
  std::vector<TopKQuery> queries;
  bool closed = false;
  // Notified by the leader once status and results are written; members
  // wait on it rather than on the batcher's mutex, so finishing a batch
  // wakes only its own members.
  absl::Notification done;
  absl::Status status;
  std::vector<std::vector<ScoredItem>> results;
};

MicroBatcher::MicroBatcher(std::shared_ptr<const ItemScorer> scorer,
                           const MicroBatcherOptions& options)
    : scorer_(std::move(scorer)), options_(options) {}

MicroBatcher::~MicroBatcher() = default;

absl::StatusOr<std::unique_ptr<MicroBatcher>> MicroBatcher::Create(
    std::shared_ptr<const ItemScorer> scorer,
    const MicroBatcherOptions& options) {
  if (scorer == nullptr) {
    return absl::InvalidArgumentError("MicroBatcher: null ItemScorer");
  }
  if (options.window_us < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MicroBatcherOptions.window_us must be >= 0, got ", options.window_us));
  }
  if (options.max_concurrent < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("MicroBatcherOptions.max_concurrent must be >= 1, got ",
                     options.max_concurrent));
  }
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MicroBatcherOptions.max_batch must be >= 1, got ", options.max_batch));
  }
  return std::unique_ptr<MicroBatcher>(
      new MicroBatcher(std::move(scorer), options));
}

absl::Status MicroBatcher::TopK(absl::Span<const float> query, int count,
                                const ExclusionSet* excluded,
                                std::vector<ScoredItem>* out) {
  TAILOR_RETURN_IF_ERROR(scorer_->ValidateQuery(query, count, excluded));
  std::shared_ptr<Batch> batch;
  size_t slot = 0;
  bool leader = false;
  {
    absl::MutexLock lock(&mu_);
    if (open_ == nullptr) {
      open_ = std::make_shared<Batch>();
      open_->queries.reserve(options_.max_batch);
      leader = true;
    }
    batch = open_;
    slot = batch->queries.size();
    batch->queries.push_back(TopKQuery{query, count, excluded});
    if (static_cast<int>(batch->queries.size()) >= options_.max_batch) {
      batch->closed = true;
      open_ = nullptr;
    }
    if (leader) {
      Batch* b = batch.get();
      mu_.AwaitWithTimeout(absl::Condition(&b->closed),
                           absl::Microseconds(options_.window_us));
      // While every runner is busy the batch stays open and keeps filling.
      auto slot_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return running_ < options_.max_concurrent;
      };
      mu_.Await(absl::Condition(&slot_free));
      ++running_;
      if (!b->closed) {
        b->closed = true;
        open_ = nullptr;
      }
      ++stats_.batches;
      stats_.queries += static_cast<int64_t>(b->queries.size());
      stats_.largest_batch = std::max<int64_t>(
          stats_.largest_batch, static_cast<int64_t>(b->queries.size()));
    }
  }
  if (leader) {
    // The batch is closed: nobody else touches queries/results until done.
    std::vector<std::vector<ScoredItem>> results;
    absl::Status status = scorer_->TopKBatch(batch->queries, &results);
    {
      absl::MutexLock lock(&mu_);
      --running_;
    }
    batch->results = std::move(results);
    batch->status = std::move(status);
    batch->done.Notify();
  }
  batch->done.WaitForNotification();
  if (!batch->status.ok()) return batch->status;
  *out = std::move(batch->results[slot]);
  return absl::OkStatus();
}

MicroBatcher::Stats MicroBatcher::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace tailor::ranker
