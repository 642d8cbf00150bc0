// Network faults between the trainer and the parameter servers
// (docs/netfault.md): a whole ials job (2 tailor_ps shards, a
// tailor_coordinator, 2 tailor_worker processes) on a small planted-cluster
// dataset, with a FaultProxy on each shard's link. A partition of one shard
// that heals, reset connections and a slow link must each end in a
// completed job whose final held-out metric is within 1% of the fault-free
// run with the same seed; a shard partitioned for good must end the job in
// bounded time with a clear error and no exported model.

#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tests/netfault/proxied_job.h"

namespace tailor {
namespace netfault {
namespace {

constexpr char kMetric[] = "ndcg@10";
constexpr int kIterations = 6;

std::string TestDir(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/netfault_", name);
}

class TrainingFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dataset_ = new std::string(TestDir("dataset"));
    ASSERT_EQ(system(absl::StrCat("rm -rf ", *dataset_).c_str()), 0);
    TAILOR_ASSERT_OK(WritePlantedDataset(*dataset_, /*users=*/600,
                                         /*items=*/200, /*clusters=*/6,
                                         /*per_user=*/24, /*seed=*/7));
  }
  static void TearDownTestSuite() { delete dataset_; }

  static std::string Spec() {
    return absl::StrCat(
        "dataset_dir: \"", *dataset_,
        "\" algorithm: \"ials\" factors: 8 iterations: ", kIterations,
        " regularization: 0.05 alpha: 5 seed: 3 threads: 1 "
        "checkpoint { every_iterations: 1 } "
        "evaluation { protocol: EVAL_PROTOCOL_STRATIFIED_RANDOM "
        "test_fraction: 0.2 metric: \"",
        kMetric, "\" every_iterations: 1 }\n");
  }

  static ProxiedJobOptions Options(const std::string& name) {
    ProxiedJobOptions o;
    o.dir = TestDir(name);
    o.job_spec_text = Spec();
    o.coordinator_flags = {"--lease_ms=2000", "--heartbeat_interval_ms=200"};
    return o;
  }

  static double FinalMetric(const nlohmann::json& final_line) {
    if (!final_line.is_object() || !final_line.contains("metrics") ||
        !final_line["metrics"].contains(kMetric)) {
      return NAN;
    }
    return final_line["metrics"][kMetric].get<double>();
  }

  // The fault-free run through the same proxies, once.
  static double Baseline() {
    static const double baseline = [] {
      auto job = ProxiedJob::Start(Options("fault_free"));
      if (!job.ok()) return double{NAN};
      absl::StatusOr<int> code =
          (*job)->WaitForCoordinator(absl::Seconds(180), absl::Seconds(10));
      if (!code.ok() || *code != 0) return double{NAN};
      return FinalMetric((*job)->FinalLine());
    }();
    return baseline;
  }

  // The job completed, exported, and its metric is within 1% of the
  // fault-free run.
  static void ExpectCompletedNearBaseline(ProxiedJob& job) {
    absl::StatusOr<int> code =
        job.WaitForCoordinator(absl::Seconds(180), absl::Seconds(10));
    ASSERT_TRUE(code.ok()) << code.status() << "\n" << job.CoordinatorStderr();
    ASSERT_EQ(*code, 0) << job.CoordinatorStderr();
    const nlohmann::json final_line = job.FinalLine();
    ASSERT_TRUE(final_line.value("done", false)) << final_line.dump();
    EXPECT_FALSE(final_line.value("export_path", "").empty());
    EXPECT_EQ(final_line.value("iterations", 0), kIterations);
    const double baseline = Baseline();
    ASSERT_FALSE(std::isnan(baseline)) << "the fault-free run failed";
    ASSERT_GT(baseline, 0.05) << "the fault-free run learned nothing";
    const double metric = FinalMetric(final_line);
    EXPECT_NEAR(metric, baseline, 0.01 * baseline)
        << kMetric << " after the fault " << metric << " vs fault-free "
        << baseline;
    for (int c : job.worker_exit_codes()) EXPECT_EQ(c, 0);
  }

  static bool IterationPrinted(ProxiedJob& job, int iteration) {
    for (const nlohmann::json& line : job.Iterations()) {
      if (line.value("iteration", -1) == iteration) return true;
    }
    return false;
  }

  static std::string* dataset_;
};

std::string* TrainingFaultsTest::dataset_ = nullptr;

TEST_F(TrainingFaultsTest, FaultFreeRunThroughProxiesLearns) {
  EXPECT_GT(Baseline(), 0.05);
}

TEST_F(TrainingFaultsTest, PartitionOfOneShardThatHealsCompletesNearBaseline) {
  TAILOR_ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProxiedJob> job,
                              ProxiedJob::Start(Options("partition_heals")));
  ASSERT_TRUE(job->WaitForIteration(2, absl::Seconds(120)))
      << job->CoordinatorStderr();
  // Iteration 3 starts at once (Gram partials, pulls, pushes): shard 1
  // becomes a blackhole for 4 s, well inside the 30 s deadline of each
  // parameter-server call.
  job->shard_proxy(1).SetPartitioned(true);
  absl::SleepFor(absl::Seconds(4));  // the fault's duration
  EXPECT_FALSE(IterationPrinted(*job, 3))
      << "iteration 3 finished during the partition: the fault missed it";
  job->shard_proxy(1).SetPartitioned(false);
  ExpectCompletedNearBaseline(*job);
  EXPECT_EQ(job->FinalLine().value("rollbacks", -1), 0)
      << "a partition shorter than the call deadline needs no rollback\n"
      << job->CoordinatorStderr();
}

TEST_F(TrainingFaultsTest, ResetConnectionsMidIterationCompleteNearBaseline) {
  TAILOR_ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProxiedJob> job,
                              ProxiedJob::Start(Options("reset")));
  ASSERT_TRUE(job->WaitForIteration(2, absl::Seconds(120)))
      << job->CoordinatorStderr();
  // Every open connection to both shards is reset, three times in the
  // iteration; calls in flight fail with UNAVAILABLE and are retried.
  for (int round = 0; round < 3; ++round) {
    job->shard_proxy(0).DropConnections();
    job->shard_proxy(1).DropConnections();
    absl::SleepFor(absl::Milliseconds(100));  // spacing of the faults
  }
  ExpectCompletedNearBaseline(*job);
  EXPECT_GT(job->shard_proxy(1).stats().dropped, 0);
}

TEST_F(TrainingFaultsTest, SlowShardLinkIsNotMistakenForARestart) {
  TAILOR_ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProxiedJob> job,
                              ProxiedJob::Start(Options("slow_link")));
  ASSERT_TRUE(job->WaitForIteration(2, absl::Seconds(120)))
      << job->CoordinatorStderr();
  // Answers from shard 1 take 2 s (more than the 1.5 s the coordinator
  // allows between a shard's recorded and observed start times) for one
  // iteration.
  job->shard_proxy(1).SetLatency(Direction::kToClient, absl::Seconds(2));
  ASSERT_TRUE(job->WaitForIteration(3, absl::Seconds(120)))
      << job->CoordinatorStderr();
  job->shard_proxy(1).SetLatency(Direction::kToClient, absl::ZeroDuration());
  ExpectCompletedNearBaseline(*job);
  EXPECT_EQ(job->FinalLine().value("rollbacks", -1), 0)
      << "slow answers were taken for a restarted shard\n"
      << job->CoordinatorStderr();
}

TEST_F(TrainingFaultsTest, ShardPartitionedForGoodFailsClearlyInBoundedTime) {
  ProxiedJobOptions options = Options("partition_for_good");
  options.coordinator_flags.push_back("--shard_wait_ms=3000");
  options.coordinator_flags.push_back("--ps_rpc_timeout_ms=1000");
  options.worker_flags.push_back("--ps_rpc_timeout_ms=1000");
  TAILOR_ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProxiedJob> job,
                              ProxiedJob::Start(options));
  ASSERT_TRUE(job->WaitForIteration(2, absl::Seconds(120)))
      << job->CoordinatorStderr();
  job->shard_proxy(1).SetPartitioned(true);
  const absl::Time start = absl::Now();
  absl::StatusOr<int> code =
      job->WaitForCoordinator(absl::Seconds(120), absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << "the coordinator hung: " << code.status();
  const absl::Duration took = absl::Now() - start;
  EXPECT_NE(*code, 0) << "the job completed with a shard unreachable";
  const nlohmann::json final_line = job->FinalLine();
  EXPECT_FALSE(final_line.value("done", true)) << final_line.dump();
  // The error names the unreachable shard's address.
  const std::string error = final_line.value("error", "");
  EXPECT_NE(error.find(job->shard_proxy(1).address()), std::string::npos)
      << error;
  // No model version was published.
  EXPECT_NE(system(absl::StrCat("test -d ", TestDir("partition_for_good"),
                                "/models/model")
                       .c_str()),
            0);
  EXPECT_LT(took, absl::Seconds(90)) << "gave up after " << took;
  std::printf("partitioned for good: the coordinator gave up after %s: %s\n",
              absl::FormatDuration(took).c_str(), error.c_str());
}

}  // namespace
}  // namespace netfault
}  // namespace tailor
