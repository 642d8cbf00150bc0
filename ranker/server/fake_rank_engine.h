#ifndef TAILOR_RANKER_SERVER_FAKE_RANK_ENGINE_H_
#define TAILOR_RANKER_SERVER_FAKE_RANK_ENGINE_H_

// A RankEngine for tests of the gRPC layer: one model (default "m") whose
// default version the test sets; Rank checks a few fields the way the real
// engine does (model name, count range), returns `count` synthetic items,
// and can be told to wait until cancelled or past the deadline, or to fail.
// Test-only. Thread-safe.

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "ranker/engine/rank_engine.h"

namespace tailor::ranker {

class FakeRankEngine final : public RankEngine {
 public:
  explicit FakeRankEngine(std::string model_name = "m")
      : model_name_(std::move(model_name)) {}

  absl::StatusOr<tailor::v1::RankResponse> Rank(
      const tailor::v1::RankRequest& request, const RankCall& call) override;
  absl::StatusOr<tailor::v1::GetModelStatusResponse> GetModelStatus(
      const tailor::v1::GetModelStatusRequest& request) override;

  // 0: no version available (Rank answers UNAVAILABLE).
  void SetVersion(int64_t version);
  // Rank blocks until the call is cancelled or its deadline passes.
  void SetBlockUntilDone(bool block) { block_.store(block); }
  // Rank answers this status when not OK.
  void SetFailure(absl::Status status);

  int64_t rank_calls() const;
  // Blocks until Rank has been entered at least `n` times in total.
  void WaitForRankCalls(int64_t n) const;
  // Whether the last blocked call ended by cancellation (vs deadline).
  bool saw_cancellation() const { return saw_cancellation_.load(); }

 private:
  const std::string model_name_;
  std::atomic<bool> block_{false};
  std::atomic<bool> saw_cancellation_{false};
  mutable absl::Mutex mu_;
  int64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  int64_t rank_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SERVER_FAKE_RANK_ENGINE_H_
