#include "trainer/distributed/worker_metrics.h"

#include <utility>
#include <vector>

#include "core/metrics/metric.h"

namespace tailor::distributed {
namespace {

namespace v1 = ::tailor::v1;

class CountingCoordinatorClient final : public CoordinatorClient {
 public:
  CountingCoordinatorClient(CoordinatorClient* inner, WorkerMetrics* metrics)
      : inner_(inner), metrics_(metrics) {}

  absl::Status Register(const v1::RegisterRequest& request,
                        v1::RegisterResponse* response) override {
    return Count("Register", inner_->Register(request, response));
  }
  absl::Status Heartbeat(const v1::HeartbeatRequest& request,
                         v1::HeartbeatResponse* response) override {
    return Count("Heartbeat", inner_->Heartbeat(request, response));
  }
  absl::Status GetTask(const v1::GetTaskRequest& request,
                       v1::GetTaskResponse* response) override {
    return Count("GetTask", inner_->GetTask(request, response));
  }
  absl::Status ReportProgress(const v1::ReportProgressRequest& request,
                              v1::ReportProgressResponse* response) override {
    // The task ran whether or not the coordinator takes the report.
    metrics_->RecordReport(request);
    return Count("ReportProgress", inner_->ReportProgress(request, response));
  }

 private:
  absl::Status Count(const char* method, absl::Status status) {
    metrics_->RecordCall("coordinator", method, status);
    return status;
  }

  CoordinatorClient* const inner_;
  WorkerMetrics* const metrics_;
};

class CountingPsClient final : public PsClient {
 public:
  CountingPsClient(std::unique_ptr<PsClient> inner, WorkerMetrics* metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  int num_shards() const override { return inner_->num_shards(); }
  absl::Status CreateTable(const TableSpec& spec) override {
    return Count("CreateTable", inner_->CreateTable(spec));
  }
  absl::Status Pull(const std::string& table,
                    absl::Span<const uint64_t> sorted_keys,
                    absl::Span<float> out_rows,
                    const PullOptions& options) override {
    return Count("Pull", inner_->Pull(table, sorted_keys, out_rows, options));
  }
  absl::StatusOr<PushSummary> Push(const std::string& table,
                                   absl::Span<const uint64_t> sorted_keys,
                                   absl::Span<const float> rows,
                                   const PushOptions& options) override {
    return Count("Push", inner_->Push(table, sorted_keys, rows, options));
  }
  absl::StatusOr<GramSum> GramPartial(const std::string& table,
                                      const GramOptions& options) override {
    return Count("GramPartial", inner_->GramPartial(table, options));
  }
  absl::StatusOr<ClockResult> Clock(uint32_t worker_index, uint32_t num_workers,
                                    int64_t clock,
                                    uint32_t staleness) override {
    return Count("Clock",
                 inner_->Clock(worker_index, num_workers, clock, staleness));
  }
  absl::Status Barrier(const std::string& name, int64_t generation,
                       uint32_t worker_index, uint32_t participants) override {
    return Count("Barrier",
                 inner_->Barrier(name, generation, worker_index, participants));
  }
  absl::StatusOr<std::vector<std::string>> Checkpoint(
      const std::string& directory, int64_t iteration) override {
    return Count("Checkpoint", inner_->Checkpoint(directory, iteration));
  }
  absl::StatusOr<int64_t> Restore(const std::string& directory,
                                  int64_t iteration) override {
    return Count("Restore", inner_->Restore(directory, iteration));
  }
  absl::StatusOr<std::vector<ShardStats>> Stats(bool reset) override {
    return Count("Stats", inner_->Stats(reset));
  }
  absl::Status Shutdown(const std::string& reason,
                        uint32_t grace_period_ms) override {
    return Count("Shutdown", inner_->Shutdown(reason, grace_period_ms));
  }

 private:
  absl::Status Count(const char* method, absl::Status status) {
    metrics_->RecordCall("parameter_server", method, status);
    return status;
  }
  template <typename T>
  absl::StatusOr<T> Count(const char* method, absl::StatusOr<T> result) {
    metrics_->RecordCall("parameter_server", method, result.status());
    return result;
  }

  const std::unique_ptr<PsClient> inner_;
  WorkerMetrics* const metrics_;
};

}  // namespace

WorkerMetrics::WorkerMetrics(metrics::MetricRegistry* registry)
    : tasks_(registry->AddCounter(
          "tailor_worker_tasks_total",
          "Tasks this worker ran to the end, by result (done, failed).",
          {"result"})),
      task_seconds_(registry->AddHistogram(
          "tailor_worker_task_duration_seconds",
          "Wall time of finished tasks (as reported to the coordinator).",
          {"result"}, metrics::ExponentialBounds(0.01, 2, 18))),
      rows_(registry->AddCounter(
          "tailor_worker_rows_total",
          "Parameter-server rows moved by finished tasks, by direction "
          "(pulled, pushed).",
          {"direction"})),
      bytes_(registry->AddCounter(
          "tailor_worker_bytes_total",
          "Parameter-server payload bytes moved by finished tasks, by "
          "direction (pulled, pushed).",
          {"direction"})),
      rows_solved_(registry->AddCounter(
          "tailor_worker_rows_solved_total",
          "Rows (users or items) solved or updated by finished tasks.")),
      rpc_errors_(registry->AddCounter(
          "tailor_worker_rpc_errors_total",
          "Failed calls (after the clients' retries) by service "
          "(coordinator, parameter_server), method and status code.",
          {"service", "method", "code"})) {
  // The usual series exist from the start, at zero.
  tasks_->WithLabels({"done"});
  tasks_->WithLabels({"failed"});
  for (const char* d : {"pulled", "pushed"}) {
    rows_->WithLabels({d});
    bytes_->WithLabels({d});
  }
  rows_solved_->Get();
}

std::unique_ptr<CoordinatorClient> WorkerMetrics::WrapCoordinatorClient(
    CoordinatorClient* inner) {
  return std::make_unique<CountingCoordinatorClient>(inner, this);
}

std::unique_ptr<PsClient> WorkerMetrics::WrapPsClient(
    std::unique_ptr<PsClient> inner) {
  return std::make_unique<CountingPsClient>(std::move(inner), this);
}

void WorkerMetrics::RecordReport(const v1::ReportProgressRequest& report) {
  const char* result = nullptr;
  if (report.state() == v1::TASK_STATE_DONE) result = "done";
  if (report.state() == v1::TASK_STATE_FAILED) result = "failed";
  if (result == nullptr) return;  // not a final report
  tasks_->WithLabels({result})->Increment();
  task_seconds_->WithLabels({result})->Observe(
      static_cast<double>(report.duration_ms()) / 1000.0);
  rows_->WithLabels({"pulled"})
      ->Increment(static_cast<double>(report.rows_pulled()));
  rows_->WithLabels({"pushed"})
      ->Increment(static_cast<double>(report.rows_pushed()));
  bytes_->WithLabels({"pulled"})
      ->Increment(static_cast<double>(report.bytes_pulled()));
  bytes_->WithLabels({"pushed"})
      ->Increment(static_cast<double>(report.bytes_pushed()));
  rows_solved_->Get()->Increment(static_cast<double>(report.rows_solved()));
}

void WorkerMetrics::RecordCall(const std::string& service,
                               const std::string& method,
                               const absl::Status& status) {
  if (status.ok()) return;
  rpc_errors_
      ->WithLabels({service, method, absl::StatusCodeToString(status.code())})
      ->Increment();
}

}  // namespace tailor::distributed
