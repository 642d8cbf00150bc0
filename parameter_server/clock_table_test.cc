#include "parameter_server/clock_table.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/ps_error.h"

namespace tailor {
namespace {

// Records the outcome of one wait.
struct Outcome {
  bool done = false;
  absl::Status status;
  ClockSnapshot snap;
  uint32_t arrived = 0;
  ClockTable::ClockCallback Clock() {
    return [this](absl::Status s, ClockSnapshot snap_in) {
      done = true;
      status = s;
      snap = snap_in;
    };
  }
  ClockTable::BarrierCallback Barrier() {
    return [this](absl::Status s, uint32_t a) {
      done = true;
      status = s;
      arrived = a;
    };
  }
};

TEST(ClockTableTest, SatisfiedWaitRunsInline) {
  ClockTable t;
  Outcome o;
  EXPECT_EQ(t.WaitForMinClock(0, o.Clock()), 0u);
  EXPECT_TRUE(o.done);
  TAILOR_EXPECT_OK(o.status);
}

TEST(ClockTableTest, WaitCompletesWhenTheSlowestSlotArrives) {
  ClockTable t;
  TAILOR_ASSERT_OK(t.Advance(0, 2, 1).status());
  Outcome o;
  EXPECT_NE(t.WaitForMinClock(1, o.Clock()), 0u);
  EXPECT_FALSE(o.done);  // slot 1 is still at 0
  TAILOR_ASSERT_OK_AND_ASSIGN(ClockSnapshot s, t.Advance(1, 2, 1));
  EXPECT_TRUE(o.done);
  TAILOR_EXPECT_OK(o.status);
  EXPECT_EQ(o.snap.min_clock, 1);
  EXPECT_EQ(s.max_clock, 1);
}

TEST(ClockTableTest, CancelRunsTheCallbackOnce) {
  ClockTable t;
  Outcome o;
  const uint64_t id = t.WaitForMinClock(5, o.Clock());
  EXPECT_TRUE(t.Cancel(id, absl::DeadlineExceededError("late")));
  EXPECT_THAT(o.status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(t.Cancel(id, absl::CancelledError("again")));
}

TEST(ClockTableTest, ClockGoingBackOrWorkerCountChangingIsRefused) {
  ClockTable t;
  TAILOR_ASSERT_OK(t.Advance(0, 2, 3).status());
  absl::StatusOr<ClockSnapshot> back = t.Advance(0, 2, 2);
  EXPECT_THAT(back, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(GetErrorInfo(back.status())->reason(),
            v1::ERROR_REASON_CLOCK_MISMATCH);
  EXPECT_THAT(t.Advance(0, 3, 4),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       testing::HasSubstr("num_workers")));
  EXPECT_THAT(t.Advance(2, 2, 4), StatusIs(absl::StatusCode::kInvalidArgument));
  TAILOR_EXPECT_OK(t.Advance(0, 2, 3).status());  // repeat: harmless
}

TEST(ClockTableTest, BarrierOpensWhenAllParticipantsArrive) {
  ClockTable t;
  Outcome a, b, c;
  EXPECT_NE(t.ArriveAtBarrier("step", 1, 0, 2, a.Barrier()), 0u);
  // The same slot arriving again does not count twice.
  EXPECT_NE(t.ArriveAtBarrier("step", 1, 0, 2, c.Barrier()), 0u);
  EXPECT_FALSE(a.done);
  EXPECT_EQ(t.ArriveAtBarrier("step", 1, 1, 2, b.Barrier()), 0u);
  EXPECT_TRUE(a.done && b.done && c.done);
  EXPECT_EQ(a.arrived, 2u);
  // A retry after the barrier opened returns at once.
  Outcome retry;
  EXPECT_EQ(t.ArriveAtBarrier("step", 1, 0, 2, retry.Barrier()), 0u);
  TAILOR_EXPECT_OK(retry.status);
  // Another generation is a new barrier.
  Outcome next;
  EXPECT_NE(t.ArriveAtBarrier("step", 2, 0, 2, next.Barrier()), 0u);
}

TEST(ClockTableTest, BarrierParticipantsMustAgree) {
  ClockTable t;
  Outcome a, b;
  t.ArriveAtBarrier("x", 0, 0, 3, a.Barrier());
  t.ArriveAtBarrier("x", 0, 1, 2, b.Barrier());
  EXPECT_THAT(b.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  Outcome c;
  t.ArriveAtBarrier("x", 0, 5, 3, c.Barrier());
  EXPECT_THAT(c.status, StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ClockTableTest, ResetMovesEverySlotAndAbortsBarriers) {
  ClockTable t;
  TAILOR_ASSERT_OK(t.Advance(0, 2, 7).status());
  Outcome wait, barrier;
  t.WaitForMinClock(4, wait.Clock());
  t.ArriveAtBarrier("b", 0, 0, 2, barrier.Barrier());
  t.Reset(5, 2);
  EXPECT_TRUE(wait.done);
  TAILOR_EXPECT_OK(wait.status);
  EXPECT_THAT(barrier.status, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(t.Snapshot().min_clock, 5);
  EXPECT_EQ(t.Snapshot().max_clock, 5);
}

TEST(ClockTableTest, ResetBeforeAnyClockCallSetsTheBase) {
  ClockTable t;
  t.Reset(3, 0);
  EXPECT_EQ(t.Snapshot().min_clock, 3);
  TAILOR_ASSERT_OK_AND_ASSIGN(ClockSnapshot s, t.Advance(0, 2, 4));
  EXPECT_EQ(s.min_clock, 3);  // slot 1 starts at the restored clock
}

TEST(ClockTableTest, ShutdownFailsPendingAndLaterWaits) {
  ClockTable t;
  Outcome o, later;
  t.WaitForMinClock(3, o.Clock());
  t.Shutdown(absl::FailedPreconditionError("down"));
  EXPECT_THAT(o.status, StatusIs(absl::StatusCode::kFailedPrecondition));
  t.WaitForMinClock(0, later.Clock());
  EXPECT_THAT(later.status, StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Four workers run 50 synchronous clocks each on their own threads; a
// worker blocks until the others are within the staleness bound. Waiting is
// by the callback, so the test observes every wait completes in order.
TEST(ClockTableTest, ConcurrentWorkersStayWithinTheBound) {
  ClockTable t;
  const int workers = 4, ticks = 50;
  const uint32_t staleness = 1;
  std::atomic<int> violations{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (int c = 1; c <= ticks; ++c) {
        ASSERT_TRUE(t.Advance(w, workers, c).ok());
        absl::Notification ready;
        t.WaitForMinClock(c - staleness,
                          [&](absl::Status s, ClockSnapshot snap) {
                            if (!s.ok() || snap.min_clock < c - 1) ++violations;
                            ready.Notify();
                          });
        ready.WaitForNotification();
        if (t.Snapshot().max_clock - t.Snapshot().min_clock > staleness + 1) {
          ++violations;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(t.Snapshot().min_clock, ticks);
}

}  // namespace
}  // namespace tailor
