// Coordinator policies on a real cluster (tailor_ps, tailor_coordinator,
// tailor_worker on loopback): a task that passes its deadline on a worker
// that keeps heart-beating is reassigned, and checkpoint.keep bounds the
// checkpoints left in the state directory.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tailor/v1/coordinator.pb.h"
#include "tests/distributed/local_cluster.h"
#include "trainer/distributed/coordinator_client.h"

namespace tailor::testing_dist {
namespace {

std::string TempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(root != nullptr ? root : "/tmp", "/", name);
  PosixFileSystem()->DeleteRecursively(dir).IgnoreError();
  EXPECT_TRUE(PosixFileSystem()->CreateDirs(dir).ok());
  return dir;
}

std::string Spec(const std::string& data, const std::string& extra) {
  return absl::StrCat("dataset_dir: \"", data,
                      "\"\nalgorithm: \"ials\"\nfactors: 4\niterations: 3\n"
                      "regularization: 0.05\nalpha: 2\nseed: 7\n",
                      extra);
}

TEST(CoordinatorPolicyTest, TaskPastItsDeadlineIsReassigned) {
  const std::string dir = TempDir("deadline");
  ASSERT_TRUE(WriteSyntheticRatings(dir + "/data", 120, 50, 10, 3).ok());
  ClusterOptions options;
  options.dir = dir;
  options.shards = 1;
  options.workers = 2;
  options.worker_processes = 1;  // this test holds slot 1 and hangs
  options.job_spec_text = Spec(dir + "/data", "");
  options.coordinator_flags = {"--task_deadline_ms=1500",
                               "--heartbeat_interval_ms=200"};
  LocalCluster cluster(options);
  ASSERT_TRUE(cluster.Start().ok());

  distributed::GrpcCoordinatorClientOptions co;
  co.address = cluster.coordinator_address();
  absl::StatusOr<std::unique_ptr<distributed::CoordinatorClient>> client =
      distributed::NewGrpcCoordinatorClient(co);
  ASSERT_TRUE(client.ok()) << client.status();
  tailor::v1::RegisterRequest reg;
  reg.set_requested_worker_index(1);
  tailor::v1::RegisterResponse registered;
  ASSERT_TRUE((*client)->Register(reg, &registered).ok());
  // Take one task, then only heart-beat: alive but hung.
  tailor::v1::Task held;
  for (int i = 0; i < 3000 && held.task_id() == 0; ++i) {
    tailor::v1::GetTaskRequest get;
    get.set_worker_id(registered.worker_id());
    tailor::v1::GetTaskResponse got;
    ASSERT_TRUE((*client)->GetTask(get, &got).ok());
    if (got.has_task()) {
      held = got.task();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          got.retry_after_ms() > 0 ? got.retry_after_ms() : 20));
    }
  }
  ASSERT_NE(held.task_id(), 0u);
  EXPECT_EQ(held.deadline_ms(), 1500u);
  std::atomic<bool> stop{false};
  std::atomic<bool> told_abort{false};
  std::thread heartbeats([&] {
    while (!stop) {
      tailor::v1::HeartbeatRequest hb;
      hb.set_worker_id(registered.worker_id());
      hb.mutable_progress()->set_task_id(held.task_id());
      tailor::v1::HeartbeatResponse r;
      if ((*client)->Heartbeat(hb, &r).ok() &&
          r.command() == tailor::v1::WORKER_COMMAND_ABORT_TASK) {
        told_abort = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  absl::StatusOr<int> code = cluster.WaitForJob(absl::Minutes(3));
  stop = true;
  heartbeats.join();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << cluster.CoordinatorStderr();
  EXPECT_TRUE(told_abort);
  EXPECT_TRUE(
      absl::StrContains(cluster.CoordinatorStderr(), "passed its deadline"))
      << cluster.CoordinatorStderr();
  nlohmann::json done =
      nlohmann::json::parse(LastDoneLine(cluster.CoordinatorStdout()));
  EXPECT_TRUE(done["done"].get<bool>()) << done.dump();
}

TEST(CoordinatorPolicyTest, CheckpointKeepBoundsTheStateDirectory) {
  const std::string dir = TempDir("keep");
  ASSERT_TRUE(WriteSyntheticRatings(dir + "/data", 120, 50, 10, 3).ok());
  ClusterOptions options;
  options.dir = dir;
  options.shards = 1;
  options.workers = 1;
  options.job_spec_text =
      Spec(dir + "/data", "checkpoint { every_iterations: 1 keep: 2 }\n");
  LocalCluster cluster(options);
  ASSERT_TRUE(cluster.Start().ok());
  absl::StatusOr<int> code = cluster.WaitForJob(absl::Minutes(3));
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_EQ(*code, 0) << cluster.CoordinatorStderr();
  absl::StatusOr<std::vector<std::string>> names =
      PosixFileSystem()->ListDir(cluster.state_dir());
  ASSERT_TRUE(names.ok());
  std::vector<std::string> checkpoints;
  for (const std::string& n : *names) {
    if (n.size() == 8 && n.find_first_not_of("0123456789") == n.npos) {
      checkpoints.push_back(n);
    }
  }
  std::sort(checkpoints.begin(), checkpoints.end());
  // Checkpoints of iterations 0, 1 and 2 were taken (none after the last
  // iteration, which is exported); the newest two remain.
  EXPECT_EQ(checkpoints, (std::vector<std::string>{"00000001", "00000002"}));
}

}  // namespace
}  // namespace tailor::testing_dist
