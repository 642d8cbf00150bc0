#include "ranker/scoring/scan_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tailor::ranker::internal {
namespace {

TEST(ScanPoolTest, RunsEveryPartOnce) {
  ScanPool pool(2);
  EXPECT_EQ(pool.workers(), 2);
  for (int parts : {0, 1, 2, 3, 7}) {
    std::vector<std::atomic<int>> calls(parts);
    pool.Run(parts, [&](int part) { calls[part].fetch_add(1); });
    for (int i = 0; i < parts; ++i) EXPECT_EQ(calls[i].load(), 1) << i;
  }
}

TEST(ScanPoolTest, PartsRunOnOtherThreads) {
  ScanPool pool(1);
  // Part 0 waits until part 1 ran: only possible if part 1 runs elsewhere
  // (the caller runs part 0 first, a worker takes part 1).
  std::atomic<bool> second_done{false};
  std::thread::id second_thread;
  pool.Run(2, [&](int part) {
    if (part == 1) {
      second_thread = std::this_thread::get_id();
      second_done = true;
      return;
    }
    while (!second_done.load()) std::this_thread::yield();
  });
  EXPECT_NE(second_thread, std::this_thread::get_id());
}

TEST(ScanPoolTest, ConcurrentCallers) {
  ScanPool pool(1);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int r = 0; r < 50; ++r) {
        pool.Run(3, [&](int part) { total.fetch_add(part + 1); });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 4 * 50 * (1 + 2 + 3));
}

}  // namespace
}  // namespace tailor::ranker::internal
