#include "ranker/server/work_queue.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

WorkQueueOptions Options(int threads, int max_queued) {
  WorkQueueOptions options;
  options.threads = threads;
  options.max_queued = max_queued;
  return options;
}

TEST(WorkQueueTest, RunsEveryAcceptedTask) {
  std::atomic<int> ran{0};
  {
    WorkQueue queue(Options(3, 1000));
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(queue.TrySchedule([&] { ran.fetch_add(1); }));
    }
  }  // the destructor drains the queue
  EXPECT_EQ(ran.load(), 500);
}

TEST(WorkQueueTest, RefusesBeyondMaxQueued) {
  absl::Notification release;
  absl::Notification started;
  WorkQueue queue(Options(1, 2));
  ASSERT_TRUE(queue.TrySchedule([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the only worker is now busy
  EXPECT_TRUE(queue.TrySchedule([] {}));
  EXPECT_TRUE(queue.TrySchedule([] {}));
  EXPECT_EQ(queue.queued(), 2);
  EXPECT_FALSE(queue.TrySchedule([] {}));
  release.Notify();
}

TEST(WorkQueueTest, ZeroOrNegativeThreadsMeansOne) {
  WorkQueue queue(Options(0, 4));
  EXPECT_EQ(queue.threads(), 1);
}

}  // namespace
}  // namespace tailor::ranker
