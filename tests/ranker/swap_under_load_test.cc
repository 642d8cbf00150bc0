// A model swap while the ranker is under load: closed-loop Rank traffic runs
// through the real server and engine while a new version is published and
// loaded; no request may fail, and answers move from version 1 to 2.

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ranker/server/load_generator.h"
#include "tests/ranker/ranker_test_env.h"

namespace tailor::ranker {
namespace {

TEST(SwapUnderLoadTest, NoRequestFailsAcrossASwap) {
  auto env = RankerTestEnv::Start(/*items=*/2000);
  ASSERT_TRUE(env.ok()) << env.status();

  LoadOptions load;
  load.mode = LoadOptions::Mode::kClosedLoop;
  load.concurrency = 8;
  load.duration = absl::Seconds(3);
  load.timeout = absl::Seconds(5);
  load.mix.model_name = kTestModel;
  load.mix.known_user_ids = {"u1", "u2", "u3"};
  load.mix.item_ids = {"v1-item1", "v1-item2"};
  load.mix.count = 50;
  std::vector<std::shared_ptr<grpc::Channel>> channels = {(*env)->NewChannel(),
                                                          (*env)->NewChannel()};

  // Swap once traffic is flowing: after the 200th Rank reaches a servable.
  absl::Notification flowing;
  auto seen = std::make_shared<std::atomic<int>>(0);
  (*env)->loader_state().on_rank = [seen, &flowing] {
    if (seen->fetch_add(1) + 1 == 200) flowing.Notify();
  };
  absl::StatusOr<LoadReport> report;
  std::thread load_thread([&] { report = RunLoad(load, channels); });
  flowing.WaitForNotification();
  ASSERT_TRUE((*env)->PublishAndPoll(2, /*items=*/2000).ok());
  load_thread.join();

  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->sent, 200);
  EXPECT_EQ(report->ok, report->sent);
  EXPECT_TRUE(report->errors_by_code.empty());
  EXPECT_GT(report->ok_by_version[1], 0);
  EXPECT_GT(report->ok_by_version[2], 0);
  EXPECT_EQ(report->empty_results, 0);
  // Both versions were resident together (load first, then unload).
  EXPECT_GE((*env)->loader_state().max_live_at_load.load(), 1);
  std::printf("swap under load: %lld requests, p50 %.3f ms, p99 %.3f ms\n",
              static_cast<long long>(report->sent), report->latency.p50_ms,
              report->latency.p99_ms);
}

}  // namespace
}  // namespace tailor::ranker
