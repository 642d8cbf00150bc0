#include "trainer/distributed/worker_metrics.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::distributed {
namespace {

namespace v1 = ::tailor::v1;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers every call with the status it is given.
class ScriptedCoordinator : public CoordinatorClient {
 public:
  absl::Status next = absl::OkStatus();
  absl::Status Register(const v1::RegisterRequest&,
                        v1::RegisterResponse*) override {
    return next;
  }
  absl::Status Heartbeat(const v1::HeartbeatRequest&,
                         v1::HeartbeatResponse*) override {
    return next;
  }
  absl::Status GetTask(const v1::GetTaskRequest&,
                       v1::GetTaskResponse*) override {
    return next;
  }
  absl::Status ReportProgress(const v1::ReportProgressRequest&,
                              v1::ReportProgressResponse*) override {
    return next;
  }
};

// A PsClient whose Pull and Push answer `next`; the rest is unused here.
class ScriptedPs : public PsClient {
 public:
  explicit ScriptedPs(absl::Status* next) : next_(next) {}
  int num_shards() const override { return 1; }
  absl::Status CreateTable(const TableSpec&) override { return *next_; }
  absl::Status Pull(const std::string&, absl::Span<const uint64_t>,
                    absl::Span<float>, const PullOptions&) override {
    return *next_;
  }
  absl::StatusOr<PushSummary> Push(const std::string&,
                                   absl::Span<const uint64_t>,
                                   absl::Span<const float>,
                                   const PushOptions&) override {
    if (!next_->ok()) return *next_;
    return PushSummary{};
  }
  absl::StatusOr<GramSum> GramPartial(const std::string&,
                                      const GramOptions&) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<ClockResult> Clock(uint32_t, uint32_t, int64_t,
                                    uint32_t) override {
    return absl::UnimplementedError("not used");
  }
  absl::Status Barrier(const std::string&, int64_t, uint32_t,
                       uint32_t) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<std::vector<std::string>> Checkpoint(const std::string&,
                                                      int64_t) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<int64_t> Restore(const std::string&, int64_t) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<std::vector<ShardStats>> Stats(bool) override {
    return absl::UnimplementedError("not used");
  }
  absl::Status Shutdown(const std::string&, uint32_t) override {
    return absl::UnimplementedError("not used");
  }

 private:
  absl::Status* next_;
};

v1::ReportProgressRequest Report(v1::TaskState state, uint64_t duration_ms) {
  v1::ReportProgressRequest r;
  r.set_task_id(1);
  r.set_state(state);
  r.set_duration_ms(duration_ms);
  r.set_rows_pulled(10);
  r.set_rows_pushed(4);
  r.set_bytes_pulled(400);
  r.set_bytes_pushed(160);
  r.set_rows_solved(4);
  return r;
}

TEST(WorkerMetricsTest, CountsFinalReportsOnly) {
  metrics::MetricRegistry registry;
  WorkerMetrics metrics(&registry);
  ScriptedCoordinator coordinator;
  std::unique_ptr<CoordinatorClient> client =
      metrics.WrapCoordinatorClient(&coordinator);
  v1::ReportProgressResponse response;
  ASSERT_TRUE(
      client->ReportProgress(Report(v1::TASK_STATE_DONE, 250), &response).ok());
  ASSERT_TRUE(
      client->ReportProgress(Report(v1::TASK_STATE_DONE, 3000), &response)
          .ok());
  // A refused report still counts: the task ran and moved its rows.
  coordinator.next = absl::FailedPreconditionError("reassigned");
  EXPECT_FALSE(
      client->ReportProgress(Report(v1::TASK_STATE_FAILED, 40), &response)
          .ok());
  // A RUNNING report is not the end of a task.
  coordinator.next = absl::OkStatus();
  ASSERT_TRUE(
      client->ReportProgress(Report(v1::TASK_STATE_RUNNING, 10), &response)
          .ok());

  const std::string text = registry.TextExposition();
  EXPECT_THAT(text,
              HasSubstr("tailor_worker_tasks_total{result=\"done\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_worker_tasks_total{result=\"failed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_rows_total{direction=\"pulled\"} "
                              "30\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_rows_total{direction=\"pushed\"} "
                              "12\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_bytes_total{direction=\"pulled\"} "
                              "1200\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_bytes_total{direction=\"pushed\"} "
                              "480\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_rows_solved_total 12\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_task_duration_seconds_count{"
                              "result=\"done\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_task_duration_seconds_sum{"
                              "result=\"done\"} 3.25\n"));
  // 0.25 s is in the 0.32 s bucket (printed with 17 digits), 3 s is not.
  EXPECT_THAT(text,
              ContainsRegex("tailor_worker_task_duration_seconds_bucket"
                            "\\{result=\"done\",le=\"0\\.32[0-9]*\"\\} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_task_duration_seconds_bucket{"
                              "result=\"done\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_rpc_errors_total{service="
                              "\"coordinator\",method=\"ReportProgress\","
                              "code=\"FAILED_PRECONDITION\"} 1\n"));
}

TEST(WorkerMetricsTest, CountsFailedCallsByServiceMethodAndCode) {
  metrics::MetricRegistry registry;
  WorkerMetrics metrics(&registry);
  absl::Status next = absl::OkStatus();
  std::unique_ptr<PsClient> ps =
      metrics.WrapPsClient(std::make_unique<ScriptedPs>(&next));
  ScriptedCoordinator coordinator;
  std::unique_ptr<CoordinatorClient> client =
      metrics.WrapCoordinatorClient(&coordinator);

  const std::vector<uint64_t> keys = {1, 2};
  std::vector<float> rows(2);
  ASSERT_TRUE(ps->Pull("t", keys, absl::MakeSpan(rows), {}).ok());
  next = absl::UnavailableError("shard 0 down");
  EXPECT_FALSE(ps->Pull("t", keys, absl::MakeSpan(rows), {}).ok());
  EXPECT_FALSE(ps->Pull("t", keys, absl::MakeSpan(rows), {}).ok());
  next = absl::DeadlineExceededError("slow");
  EXPECT_EQ(ps->Push("t", keys, rows, {}).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  coordinator.next = absl::UnavailableError("coordinator away");
  v1::GetTaskResponse task;
  EXPECT_FALSE(client->GetTask({}, &task).ok());

  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_worker_rpc_errors_total{service="
                              "\"parameter_server\",method=\"Pull\",code="
                              "\"UNAVAILABLE\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_rpc_errors_total{service="
                              "\"parameter_server\",method=\"Push\",code="
                              "\"DEADLINE_EXCEEDED\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_worker_rpc_errors_total{service="
                              "\"coordinator\",method=\"GetTask\",code="
                              "\"UNAVAILABLE\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("code=\"OK\"")));
  EXPECT_THAT(text,
              HasSubstr("tailor_worker_tasks_total{result=\"done\"} 0\n"));
}

}  // namespace
}  // namespace tailor::distributed
