#include "parameter_server/clock_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "parameter_server/ps_error.h"
#include "parameter_server/staleness_policy.h"

namespace tailor {
namespace {

constexpr size_t kMaxOpenedBarriers = 4096;

void RunAll(std::vector<std::function<void()>>& ready) {
  for (auto& f : ready) f();
}

}  // namespace

ClockSnapshot ClockTable::SnapshotLocked() const {
  ClockSnapshot s;
  s.num_workers = static_cast<uint32_t>(clocks_.size());
  s.min_clock = s.max_clock = base_clock_;
  if (!clocks_.empty()) {
    auto [lo, hi] = std::minmax_element(clocks_.begin(), clocks_.end());
    s.min_clock = *lo;
    s.max_clock = *hi;
  }
  return s;
}

ClockSnapshot ClockTable::Snapshot() {
  absl::MutexLock lock(&mu_);
  return SnapshotLocked();
}

void ClockTable::CollectReadyLocked(std::vector<std::function<void()>>* ready) {
  const ClockSnapshot snap = SnapshotLocked();
  for (auto it = clock_waiters_.begin(); it != clock_waiters_.end();) {
    if (StalenessPolicy::MayServe(snap.min_clock, it->second.target)) {
      ready->push_back([done = std::move(it->second.done), snap]() {
        done(absl::OkStatus(), snap);
      });
      clock_waiters_.erase(it++);
    } else {
      ++it;
    }
  }
}

absl::StatusOr<ClockSnapshot> ClockTable::Advance(uint32_t worker_index,
                                                  uint32_t num_workers,
                                                  int64_t clock) {
  std::vector<std::function<void()>> ready;
  ClockSnapshot snap;
  {
    absl::MutexLock lock(&mu_);
    if (!shutdown_.ok()) return shutdown_;
    if (num_workers == 0 || worker_index >= num_workers) {
      ErrorDetail detail;
      detail.reason = v1::ERROR_REASON_OUT_OF_RANGE_VALUE;
      detail.field = num_workers == 0 ? "num_workers" : "worker_index";
      return PsError(absl::StatusCode::kInvalidArgument, detail,
                     absl::StrCat("Clock: worker_index ", worker_index,
                                  " is not in 0..num_workers-1 (num_workers ",
                                  num_workers, ")"));
    }
    if (clocks_.empty()) {
      clocks_.assign(num_workers, base_clock_);
    } else if (clocks_.size() != num_workers) {
      ErrorDetail detail;
      detail.reason = v1::ERROR_REASON_CLOCK_MISMATCH;
      detail.field = "num_workers";
      return PsError(
          absl::StatusCode::kFailedPrecondition, detail,
          absl::StrCat("Clock of worker slot ", worker_index, ": num_workers ",
                       num_workers, " differs from the ", clocks_.size(),
                       " this shard first saw"));
    }
    absl::Status ok = StalenessPolicy::CheckAdvance(
        worker_index, clocks_[worker_index], clock);
    if (!ok.ok()) return ok;
    clocks_[worker_index] = clock;
    CollectReadyLocked(&ready);
    snap = SnapshotLocked();
  }
  RunAll(ready);
  return snap;
}

uint64_t ClockTable::WaitForMinClock(int64_t target, ClockCallback done) {
  absl::Status error;
  ClockSnapshot snap;
  {
    absl::MutexLock lock(&mu_);
    snap = SnapshotLocked();
    error = shutdown_;
    if (error.ok() && !StalenessPolicy::MayServe(snap.min_clock, target)) {
      const uint64_t id = next_id_++;
      clock_waiters_.emplace(id, ClockWaiter{target, std::move(done)});
      return id;
    }
  }
  done(error, snap);
  return 0;
}

void ClockTable::RememberOpenedLocked(
    const std::pair<std::string, int64_t>& barrier, uint32_t participants) {
  if (opened_.emplace(barrier, participants).second) {
    opened_order_.push_back(barrier);
  }
  if (opened_order_.size() > kMaxOpenedBarriers) {
    const size_t drop = opened_order_.size() - kMaxOpenedBarriers / 2;
    for (size_t i = 0; i < drop; ++i) opened_.erase(opened_order_[i]);
    opened_order_.erase(opened_order_.begin(), opened_order_.begin() + drop);
  }
}

uint64_t ClockTable::ArriveAtBarrier(const std::string& name,
                                     int64_t generation, uint32_t worker_index,
                                     uint32_t participants,
                                     BarrierCallback done) {
  std::vector<std::function<void()>> ready;
  absl::Status error;
  uint32_t arrived = 0;
  uint64_t id = 0;
  {
    absl::MutexLock lock(&mu_);
    const auto key = std::make_pair(name, generation);
    auto opened = opened_.find(key);
    if (!shutdown_.ok()) {
      error = shutdown_;
    } else if (participants == 0 || worker_index >= participants) {
      ErrorDetail detail;
      detail.reason = v1::ERROR_REASON_OUT_OF_RANGE_VALUE;
      detail.subject = name;
      detail.field = participants == 0 ? "participants" : "worker_index";
      error = PsError(
          absl::StatusCode::kInvalidArgument, detail,
          absl::StrCat("Barrier '", name, "' generation ", generation,
                       ": worker_index ", worker_index,
                       " is not in 0..participants-1 (", participants, ")"));
    } else if (opened != opened_.end()) {
      arrived = opened->second;  // a retry after the barrier opened
    } else {
      Barrier& b = barriers_[key];
      if (b.participants == 0) b.participants = participants;
      if (b.participants != participants) {
        ErrorDetail detail;
        detail.reason = v1::ERROR_REASON_CLOCK_MISMATCH;
        detail.subject = name;
        detail.field = "participants";
        error = PsError(
            absl::StatusCode::kFailedPrecondition, detail,
            absl::StrCat("Barrier '", name, "' generation ", generation,
                         ": participants ", participants, " differs from ",
                         b.participants, " given by earlier arrivals"));
      } else {
        b.arrived.insert(worker_index);
        if (b.arrived.size() < participants) {
          id = next_id_++;
          barrier_waiters_.emplace(id, BarrierWaiter{key, std::move(done)});
          b.waiters.push_back(id);
          return id;
        }
        arrived = static_cast<uint32_t>(b.arrived.size());
        for (uint64_t w : b.waiters) {
          auto it = barrier_waiters_.find(w);
          if (it == barrier_waiters_.end()) continue;
          ready.push_back([d = std::move(it->second.done), arrived]() {
            d(absl::OkStatus(), arrived);
          });
          barrier_waiters_.erase(it);
        }
        barriers_.erase(key);
        RememberOpenedLocked(key, participants);
      }
    }
  }
  RunAll(ready);
  done(error, arrived);
  return 0;
}

bool ClockTable::Cancel(uint64_t id, const absl::Status& why) {
  std::function<void()> run;
  {
    absl::MutexLock lock(&mu_);
    auto c = clock_waiters_.find(id);
    if (c != clock_waiters_.end()) {
      run = [d = std::move(c->second.done), why, s = SnapshotLocked()]() {
        d(why, s);
      };
      clock_waiters_.erase(c);
    } else {
      auto b = barrier_waiters_.find(id);
      if (b == barrier_waiters_.end()) return false;
      // The slot stays arrived: a retry of the same arrival is idempotent.
      run = [d = std::move(b->second.done), why]() { d(why, 0); };
      barrier_waiters_.erase(b);
    }
  }
  run();
  return true;
}

void ClockTable::Reset(int64_t clock, uint32_t num_workers) {
  std::vector<std::function<void()>> ready;
  {
    absl::MutexLock lock(&mu_);
    base_clock_ = clock;
    if (num_workers > 0) clocks_.assign(num_workers, clock);
    std::fill(clocks_.begin(), clocks_.end(), clock);
    const absl::Status aborted = absl::AbortedError(
        "barrier abandoned: the shard's state was restored from a "
        "checkpoint");
    for (auto& [id, w] : barrier_waiters_) {
      ready.push_back([d = std::move(w.done), aborted]() { d(aborted, 0); });
    }
    barrier_waiters_.clear();
    barriers_.clear();
    opened_.clear();
    opened_order_.clear();
    CollectReadyLocked(&ready);
  }
  RunAll(ready);
}

void ClockTable::Shutdown(const absl::Status& why) {
  std::vector<std::function<void()>> ready;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = why;
    const ClockSnapshot snap = SnapshotLocked();
    for (auto& [id, w] : clock_waiters_) {
      ready.push_back([d = std::move(w.done), why, snap]() { d(why, snap); });
    }
    for (auto& [id, w] : barrier_waiters_) {
      ready.push_back([d = std::move(w.done), why]() { d(why, 0); });
    }
    clock_waiters_.clear();
    barrier_waiters_.clear();
    barriers_.clear();
  }
  RunAll(ready);
}

}  // namespace tailor
