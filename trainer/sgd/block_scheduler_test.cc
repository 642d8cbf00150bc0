#include "trainer/sgd/block_scheduler.h"

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

// Worker threads record which rows/columns they hold; any overlap between
// concurrently held blocks is a failure.
TEST(DynamicBlockSchedulerTest, ConcurrentBlocksNeverShareRowOrColumn) {
  constexpr int kGrid = 5, kThreads = 4, kEpochs = 20;
  std::vector<int64_t> nnz(kGrid * kGrid, 10);
  nnz[7] = 0;  // empty block: never handed out
  DynamicBlockScheduler scheduler(kGrid, nnz, 1);
  absl::Mutex mu;
  std::vector<int> row_holders(kGrid, 0), col_holders(kGrid, 0);
  int conflicts = 0, max_concurrent = 0, concurrent = 0;
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    scheduler.StartEpoch(epoch);
    std::vector<int> processed(kGrid * kGrid, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int b = scheduler.Acquire(); b >= 0; b = scheduler.Acquire()) {
          {
            absl::MutexLock l(&mu);
            if (row_holders[b / kGrid]++ > 0) ++conflicts;
            if (col_holders[b % kGrid]++ > 0) ++conflicts;
            ++processed[b];
            max_concurrent = std::max(max_concurrent, ++concurrent);
          }
          volatile double x = 0;  // some work while holding the block
          for (int i = 0; i < 20000; ++i) x = x + i;
          {
            absl::MutexLock l(&mu);
            --row_holders[b / kGrid];
            --col_holders[b % kGrid];
            --concurrent;
          }
          scheduler.Release(b);
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int b = 0; b < kGrid * kGrid; ++b) {
      EXPECT_EQ(processed[b], b == 7 ? 0 : 1) << "block " << b;
    }
  }
  EXPECT_EQ(conflicts, 0);
  EXPECT_LE(max_concurrent, kThreads);
}

TEST(DynamicBlockSchedulerTest, SecondAcquireAvoidsHeldRowAndColumn) {
  DynamicBlockScheduler scheduler(3, std::vector<int64_t>(9, 1), 5);
  scheduler.StartEpoch(0);
  const int a = scheduler.Acquire();
  const int b = scheduler.Acquire();
  const int c = scheduler.Acquire();
  EXPECT_NE(a / 3, b / 3);
  EXPECT_NE(a % 3, b % 3);
  EXPECT_NE(c / 3, b / 3);
  EXPECT_NE(c / 3, a / 3);
  EXPECT_NE(c % 3, a % 3);
  EXPECT_NE(c % 3, b % 3);
  scheduler.Release(a);
  scheduler.Release(b);
  scheduler.Release(c);
}

}  // namespace
}  // namespace tailor
