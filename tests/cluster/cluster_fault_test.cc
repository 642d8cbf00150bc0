// Multi-process fault tests of a whole training job (docs/cluster.md,
// docs/distributed.md): 2 tailor_ps shards, a tailor_coordinator and 2
// tailor_worker processes under the supervisor of `tailor cluster`, on a
// small planted-cluster dataset. SIGKILL of a shard in the middle of an
// iteration, of a worker, and of the coordinator must each end in a
// completed, exported job whose final held-out metric is within 1% of the
// fault-free run; a bad job spec and an unreachable peer must end in a clear
// error, never a hang.

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tests/cluster/test_dataset.h"
#include "tools/cluster/cluster_runner.h"
#include "tools/cluster/supervisor.h"

namespace tailor {
namespace {

using cluster::ClusterOptions;
using cluster::ClusterResult;
using cluster::ClusterRunner;
using cluster::ProcessReport;
using cluster::ProgressLine;

constexpr char kMetric[] = "ndcg@10";

// Bazel runs tests from the runfiles root of the workspace.
cluster::ClusterBinaries Binaries() {
  return {"parameter_server/tailor_ps",
          "trainer/distributed/tailor_coordinator",
          "trainer/distributed/tailor_worker"};
}

// Blocks (inotify, no sleeping) until the coordinator's state file in
// `state_dir` records a checkpoint of at least `iteration`, i.e. the
// shards' checkpoint of that iteration is complete; false at the deadline.
bool WaitForCheckpoint(const std::string& state_dir, int iteration,
                       absl::Time deadline) {
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return false;
  inotify_add_watch(fd, state_dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  bool reached = false;
  while (!reached && absl::Now() < deadline) {
    std::ifstream in(state_dir + "/coordinator_state.json");
    const nlohmann::json state = nlohmann::json::parse(in, nullptr, false);
    if (state.is_object() &&
        state.value("checkpoint_iteration", 0) >= iteration) {
      reached = true;
      break;
    }
    pollfd p = {fd, POLLIN, 0};
    poll(&p, 1,
         static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now())) +
             1);
    char buffer[4096];
    while (read(fd, buffer, sizeof(buffer)) > 0) {
    }
  }
  close(fd);
  return reached;
}

std::string TestDir(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/cluster_fault_", name);
}

class ClusterFaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dataset_ = new std::string(TestDir("dataset"));
    ASSERT_EQ(system(absl::StrCat("rm -rf ", *dataset_).c_str()), 0);
    TAILOR_ASSERT_OK(WriteTestDataset(*dataset_, TestDatasetOptions()));
  }
  static void TearDownTestSuite() { delete dataset_; }

  static tailor::v1::JobSpec Spec() {
    tailor::v1::JobSpec spec;
    spec.set_dataset_dir(*dataset_);
    spec.set_algorithm("ials");
    spec.set_factors(8);
    spec.set_iterations(6);
    spec.set_regularization(0.05);
    spec.set_alpha(5);
    spec.set_seed(3);
    spec.set_threads(1);
    spec.mutable_checkpoint()->set_every_iterations(1);
    tailor::v1::EvaluationSpec* eval = spec.mutable_evaluation();
    eval->set_protocol(tailor::v1::EVAL_PROTOCOL_STRATIFIED_RANDOM);
    eval->set_test_fraction(0.2);
    eval->set_metric(kMetric);
    eval->set_every_iterations(1);
    return spec;
  }

  // Runs a job; `on_iteration(n)` is called as the line of iteration n
  // arrives (on the coordinator's output thread).
  static absl::StatusOr<ClusterResult> RunJob(
      const std::string& name, tailor::v1::JobSpec spec,
      std::function<void(ClusterRunner*, int)> on_iteration = nullptr) {
    ClusterOptions options;
    options.binaries = Binaries();
    options.spec = std::move(spec);
    options.work_dir = TestDir(name);
    EXPECT_EQ(system(absl::StrCat("rm -rf ", options.work_dir).c_str()), 0);
    options.shards = 2;
    options.workers = 2;
    options.worker_threads = 1;
    options.stop_grace = absl::Seconds(5);
    options.startup_timeout = absl::Seconds(30);
    options.job_timeout = absl::Seconds(120);  // far above a normal run
    options.coordinator_args = {"--lease_ms=2000",
                                "--heartbeat_interval_ms=200"};
    ClusterRunner* runner_ptr = nullptr;
    options.on_progress = [&runner_ptr,
                           on_iteration](const ProgressLine& line) {
      if (line.final || !on_iteration) return;
      on_iteration(runner_ptr, line.json.value("iteration", -1));
    };
    absl::StatusOr<std::unique_ptr<ClusterRunner>> runner =
        ClusterRunner::Create(options);
    if (!runner.ok()) return runner.status();
    runner_ptr = runner->get();
    absl::Status started = (*runner)->Start();
    if (!started.ok()) return started;
    return (*runner)->Wait();
  }

  static double FinalMetric(const ClusterResult& result) {
    if (result.iterations.empty()) return NAN;
    const nlohmann::json& last = result.iterations.back();
    if (!last.contains("metrics") || !last["metrics"].contains(kMetric)) {
      return NAN;
    }
    return last["metrics"][kMetric].get<double>();
  }

  static const ProcessReport& Report(const ClusterResult& result,
                                     const std::string& name) {
    for (const ProcessReport& r : result.processes) {
      if (r.name == name) return r;
    }
    static const ProcessReport* none = new ProcessReport();
    return *none;
  }

  // The fault-free run, once; the reference of every fault test.
  static const absl::StatusOr<ClusterResult>& Reference() {
    static const absl::StatusOr<ClusterResult>* result =
        new absl::StatusOr<ClusterResult>(RunJob("fault_free", Spec()));
    return *result;
  }

  static double Baseline() {
    const absl::StatusOr<ClusterResult>& reference = Reference();
    EXPECT_TRUE(reference.ok()) << reference.status();
    return reference.ok() ? FinalMetric(*reference) : NAN;
  }

  static void ExpectCompletedNearBaseline(
      const absl::StatusOr<ClusterResult>& result) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_FALSE(result->export_path.empty());
    const double baseline = Baseline();
    ASSERT_FALSE(std::isnan(baseline));
    ASSERT_GT(baseline, 0.05) << "the reference run learned nothing";
    const double metric = FinalMetric(*result);
    EXPECT_NEAR(metric, baseline, 0.01 * baseline)
        << kMetric << " after the fault " << metric << " vs fault-free "
        << baseline;
  }

  static std::string* dataset_;
};

std::string* ClusterFaultTest::dataset_ = nullptr;

TEST_F(ClusterFaultTest, FaultFreeRunCompletesAndExports) {
  const absl::StatusOr<ClusterResult>& result = Reference();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->iterations.size(), 6u);
  EXPECT_FALSE(result->export_path.empty());
  for (const ProcessReport& r : result->processes) {
    EXPECT_EQ(r.restarts, 0) << r.name;
    EXPECT_GT(r.peak_rss_kb, 0) << r.name;
  }
  EXPECT_GT(FinalMetric(*result), 0.05) << "the job learned nothing";
}

TEST_F(ClusterFaultTest, ShardKilledMidIterationRestoresAndCompletes) {
  std::atomic<bool> killed{false};
  const std::string state_dir = TestDir("kill_shard") + "/state";
  absl::StatusOr<ClusterResult> result =
      RunJob("kill_shard", Spec(), [&](ClusterRunner* runner, int iteration) {
        // After iteration 2's checkpoint the coordinator hands out the
        // tasks of iteration 3 at once: the kill lands in them.
        if (iteration == 2 && !killed.exchange(true)) {
          EXPECT_TRUE(
              WaitForCheckpoint(state_dir, 2, absl::Now() + absl::Seconds(60)));
          EXPECT_TRUE(runner->supervisor()
                          ->Signal(ClusterRunner::ShardName(1), SIGKILL)
                          .ok());
        }
      });
  ExpectCompletedNearBaseline(result);
  ASSERT_TRUE(killed.load());
  if (result.ok()) {
    EXPECT_EQ(Report(*result, "ps1").restarts, 1);
    EXPECT_EQ(Report(*result, "ps0").restarts, 0);
  }
}

TEST_F(ClusterFaultTest, WorkerKilledCompletes) {
  std::atomic<bool> killed{false};
  absl::StatusOr<ClusterResult> result =
      RunJob("kill_worker", Spec(), [&](ClusterRunner* runner, int iteration) {
        if (iteration == 2 && !killed.exchange(true)) {
          EXPECT_TRUE(runner->supervisor()
                          ->Signal(ClusterRunner::WorkerName(0), SIGKILL)
                          .ok());
        }
      });
  ExpectCompletedNearBaseline(result);
  ASSERT_TRUE(killed.load());
  if (result.ok()) EXPECT_EQ(Report(*result, "worker0").restarts, 1);
}

TEST_F(ClusterFaultTest, CoordinatorKilledResumesAndCompletes) {
  std::atomic<bool> killed{false};
  absl::StatusOr<ClusterResult> result = RunJob(
      "kill_coordinator", Spec(), [&](ClusterRunner* runner, int iteration) {
        if (iteration == 3 && !killed.exchange(true)) {
          EXPECT_TRUE(runner->supervisor()
                          ->Signal(ClusterRunner::kCoordinator, SIGKILL)
                          .ok());
        }
      });
  ExpectCompletedNearBaseline(result);
  ASSERT_TRUE(killed.load());
  if (result.ok()) {
    EXPECT_EQ(Report(*result, ClusterRunner::kCoordinator).restarts, 1);
  }
}

TEST_F(ClusterFaultTest, BadSpecEndsInAClearError) {
  tailor::v1::JobSpec spec = Spec();
  spec.set_factors(0);
  const absl::Time start = absl::Now();
  absl::StatusOr<ClusterResult> result = RunJob("bad_spec", spec);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("factors"), std::string::npos)
      << result.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
}

TEST_F(ClusterFaultTest, UnreachableShardEndsInAClearError) {
  // A coordinator whose only shard address has nobody listening.
  const std::string dir = TestDir("unreachable");
  ASSERT_EQ(
      system(
          absl::StrCat("rm -rf ", dir, " && mkdir -p ", dir, "/state").c_str()),
      0);
  cluster::SupervisorOptions options;
  options.log_dir = dir + "/logs";
  options.restart.max_restarts = 0;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto supervisor,
                              cluster::Supervisor::Create(options));
  const std::string spec_path = dir + "/job.textproto";
  {
    std::ofstream out(spec_path);
    out << "dataset_dir: \"" << *dataset_
        << "\" algorithm: \"ials\" factors: 4 iterations: 2\n";
  }
  absl::Mutex mu;
  std::string last_line;
  cluster::ProcessSpec coordinator;
  coordinator.name = "coordinator";
  coordinator.binary = Binaries().coordinator;
  coordinator.args = {"--insecure",
                      "--port=0",
                      "--port_file=" + dir + "/coordinator.port",
                      "--job_spec=" + spec_path,
                      "--ps_addresses=127.0.0.1:1",
                      "--state_dir=" + dir + "/state",
                      "--num_workers=1",
                      "--export_base=" + dir + "/models",
                      "--export_name=x",
                      "--progress_json",
                      "--shard_wait_ms=3000"};
  coordinator.on_stdout_line = [&](const std::string& line) {
    absl::MutexLock lock(&mu);
    last_line = line;
  };
  const absl::Time start = absl::Now();
  TAILOR_ASSERT_OK(supervisor->Start(coordinator));
  const absl::Status finished =
      supervisor->WaitForFinish("coordinator", absl::Now() + absl::Seconds(90));
  EXPECT_FALSE(finished.ok());
  EXPECT_FALSE(absl::IsDeadlineExceeded(finished)) << "the coordinator hung";
  EXPECT_LT(absl::Now() - start, absl::Seconds(90));
  absl::MutexLock lock(&mu);
  EXPECT_NE(last_line.find("\"done\":false"), std::string::npos) << last_line;
  EXPECT_NE(last_line.find("127.0.0.1:1"), std::string::npos) << last_line;
}

TEST_F(ClusterFaultTest, WorkerWithoutCoordinatorEndsInAClearError) {
  const std::string dir = TestDir("lonely_worker");
  ASSERT_EQ(system(absl::StrCat("rm -rf ", dir, " && mkdir -p ", dir).c_str()),
            0);
  cluster::SupervisorOptions options;
  options.log_dir = dir + "/logs";
  options.restart.max_restarts = 0;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto supervisor,
                              cluster::Supervisor::Create(options));
  cluster::ProcessSpec worker;
  worker.name = "worker";
  worker.binary = Binaries().worker;
  worker.args = {
      "--insecure",  "--coordinator=127.0.0.1:1",  "--worker_index=0",
      "--threads=1", "--coordinator_wait_ms=3000", "--rpc_timeout_ms=1000"};
  TAILOR_ASSERT_OK(supervisor->Start(worker));
  const absl::Status finished =
      supervisor->WaitForFinish("worker", absl::Now() + absl::Seconds(90));
  EXPECT_FALSE(finished.ok());
  EXPECT_FALSE(absl::IsDeadlineExceeded(finished)) << "the worker hung";
}

}  // namespace
}  // namespace tailor
