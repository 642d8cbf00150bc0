#ifndef TAILOR_PARAMETER_SERVER_CLOCK_TABLE_H_
#define TAILOR_PARAMETER_SERVER_CLOCK_TABLE_H_

// Per-worker-slot clocks and named barriers of one shard (docs/protocols.md
// section 7). Nothing here blocks: a wait registers a callback that runs
// exactly once, when its condition holds (possibly inline, before the
// registering call returns), when it is cancelled, or when the table shuts
// down. Callbacks run without the table's lock held, on the thread that made
// the condition true. Thread-safe.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace tailor {

struct ClockSnapshot {
  int64_t min_clock = 0;
  int64_t max_clock = 0;
  uint32_t num_workers = 0;  // 0 until the first Clock call
};

class ClockTable {
 public:
  using ClockCallback = std::function<void(absl::Status, ClockSnapshot)>;
  using BarrierCallback = std::function<void(absl::Status, uint32_t arrived)>;

  // Records that slot `worker_index` is at `clock`, waking waiters that may
  // now proceed. FAILED_PRECONDITION (CLOCK_MISMATCH) when the clock goes
  // back or num_workers differs from the first value seen;
  // INVALID_ARGUMENT for a bad index or count.
  absl::StatusOr<ClockSnapshot> Advance(uint32_t worker_index,
                                        uint32_t num_workers, int64_t clock);

  // Calls `done` once min clock >= target. Returns an id for Cancel, or 0
  // when `done` already ran.
  uint64_t WaitForMinClock(int64_t target, ClockCallback done);

  // Arrival of `worker_index` at barrier (name, generation); `done` runs
  // once `participants` distinct slots arrived. Returns an id or 0.
  uint64_t ArriveAtBarrier(const std::string& name, int64_t generation,
                           uint32_t worker_index, uint32_t participants,
                           BarrierCallback done);

  // Runs the pending callback of `id` with `why` and returns true; false
  // when it already ran (or is running).
  bool Cancel(uint64_t id, const absl::Status& why);

  // Every slot to `clock` (num_workers slots; 0 keeps the current count),
  // barriers forgotten (Restore). Pending barrier waiters fail with ABORTED;
  // clock waiters are re-evaluated.
  void Reset(int64_t clock, uint32_t num_workers);
  // Fails every pending and future wait with `why`.
  void Shutdown(const absl::Status& why);

  ClockSnapshot Snapshot();

 private:
  struct ClockWaiter {
    int64_t target;
    ClockCallback done;
  };
  struct BarrierWaiter {
    std::pair<std::string, int64_t> barrier;
    BarrierCallback done;
  };
  struct Barrier {
    uint32_t participants = 0;
    absl::flat_hash_set<uint32_t> arrived;
    std::vector<uint64_t> waiters;
  };
  ClockSnapshot SnapshotLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the callbacks of satisfied clock waiters into `ready`.
  void CollectReadyLocked(std::vector<std::function<void()>>* ready)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RememberOpenedLocked(const std::pair<std::string, int64_t>& barrier,
                            uint32_t participants)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::vector<int64_t> clocks_ ABSL_GUARDED_BY(mu_);  // one per slot
  // Clock of every slot before the first Clock call names num_workers.
  int64_t base_clock_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, ClockWaiter> clock_waiters_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, BarrierWaiter> barrier_waiters_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::pair<std::string, int64_t>, Barrier> barriers_
      ABSL_GUARDED_BY(mu_);
  // Recently opened barriers (name, generation) -> participants, so a
  // retried arrival returns at once; bounded FIFO.
  absl::flat_hash_map<std::pair<std::string, int64_t>, uint32_t> opened_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, int64_t>> opened_order_
      ABSL_GUARDED_BY(mu_);
  absl::Status shutdown_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_CLOCK_TABLE_H_
