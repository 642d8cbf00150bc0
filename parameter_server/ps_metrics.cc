#include "parameter_server/ps_metrics.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/support/server_interceptor.h"
#include "tailor/v1/parameter_server.pb.h"

namespace tailor {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr absl::string_view kServicePrefix = "/tailor.v1.ParameterServer/";

// One call: counts the rows of the messages it sends and observes the status
// and latency when the status goes out.
class CallInterceptor : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(PsMetrics* metrics, std::string method)
      : metrics_(metrics),
        method_(std::move(method)),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    if (m->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      ObserveMessage(m->GetSendMessage());
    }
    if (m->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const std::chrono::duration<double> elapsed =
          std::chrono::steady_clock::now() - start_;
      metrics_->ObserveCall(
          method_,
          static_cast<absl::StatusCode>(m->GetSendStatus().error_code()),
          elapsed.count());
    }
    m->Proceed();
  }

 private:
  void ObserveMessage(const void* message) {
    if (message == nullptr) return;  // already serialized: not inspected
    if (method_ == "Pull") {
      const auto* r = static_cast<const v1::PullResponse*>(message);
      metrics_->ObservePulledRows(r->block().keys_size());
    } else if (method_ == "Push") {
      const auto* r = static_cast<const v1::PushResponse*>(message);
      metrics_->ObservePush(r->rows_applied(), r->rows_created(),
                            r->already_applied());
    } else if (method_ == "Checkpoint") {
      const auto* r = static_cast<const v1::CheckpointResponse*>(message);
      metrics_->ObserveCheckpoint(r->rows(), r->bytes(),
                                  r->duration_ms() / 1000.0);
    }
  }

  PsMetrics* const metrics_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
};

class InterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit InterceptorFactory(PsMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    absl::string_view method = info->method() ? info->method() : "";
    if (!absl::ConsumePrefix(&method, kServicePrefix)) return nullptr;
    return new CallInterceptor(metrics_, std::string(method));
  }

 private:
  PsMetrics* const metrics_;
};

}  // namespace

PsMetrics::PsMetrics(metrics::MetricRegistry* registry, ShardState* state)
    : state_(state) {
  requests_ = registry->AddCounter(
      "tailor_ps_requests_total",
      "Finished ParameterServer calls by method and status code.",
      {"method", "code"});
  latency_ = registry->AddHistogram(
      "tailor_ps_request_duration_seconds",
      "ParameterServer call latency (server side, first byte to status).",
      {"method"}, metrics::ExponentialBounds(0.0001, 2, 18));
  payload_bytes_ = registry->AddCounter(
      "tailor_ps_payload_bytes_total",
      "Payload bytes of calls (8 per key, 4 per float, 8 per double).",
      {"direction"});
  rows_ = registry->AddCounter(
      "tailor_ps_rows_total",
      "Rows pulled (sent), pushed and applied, and created by pushes.", {"op"});
  pushes_deduplicated_ = registry->AddCounter(
      "tailor_ps_pushes_deduplicated_total",
      "Pushes acknowledged as already applied (retries, not applied again).");
  checkpoints_ = registry->AddCounter("tailor_ps_checkpoints_total",
                                      "Checkpoints written by this shard.");
  checkpoint_rows_ = registry->AddCounter("tailor_ps_checkpoint_rows_total",
                                          "Rows written by checkpoints.");
  checkpoint_bytes_ = registry->AddCounter("tailor_ps_checkpoint_bytes_total",
                                           "Bytes written by checkpoints.");
  last_checkpoint_seconds_ =
      registry->AddGauge("tailor_ps_last_checkpoint_duration_seconds",
                         "Wall time of the last checkpoint.");
  table_rows_ =
      registry->AddGauge("tailor_ps_table_rows",
                         "Rows stored on this shard, per table.", {"table"});
  table_bytes_ = registry->AddGauge(
      "tailor_ps_table_bytes", "Bytes of rows stored on this shard, per table.",
      {"table"});
  table_version_ = registry->AddGauge(
      "tailor_ps_table_version", "Pushes applied to the table on this shard.",
      {"table"});
  shard_info_ = registry->AddGauge("tailor_ps_shard_info",
                                   "Always 1; labels name this shard.",
                                   {"shard_index", "num_shards"});
  // Every series starts at zero so rates exist before the first call.
  for (const char* op : {"pulled", "pushed", "created"}) {
    rows_->WithLabels({op});
  }
  payload_bytes_->WithLabels({"in"});
  payload_bytes_->WithLabels({"out"});
  pushes_deduplicated_->Get();
  checkpoints_->Get();
  shard_info_
      ->WithLabels({absl::StrCat(state->options().shard_index),
                    absl::StrCat(state->options().num_shards)})
      ->Set(1);
  registry->AddScrapeHook([this] { Refresh(); });
}

void PsMetrics::ObserveCall(absl::string_view method, absl::StatusCode code,
                            double latency_seconds) {
  requests_->WithLabels({method, absl::StatusCodeToString(code)})->Increment();
  latency_->WithLabels({method})->Observe(latency_seconds);
}

void PsMetrics::ObservePulledRows(uint64_t rows) {
  rows_->WithLabels({"pulled"})->Increment(static_cast<double>(rows));
}

void PsMetrics::ObservePush(uint64_t rows_applied, uint64_t rows_created,
                            bool already_applied) {
  if (already_applied) {
    pushes_deduplicated_->Get()->Increment();
    return;
  }
  rows_->WithLabels({"pushed"})->Increment(static_cast<double>(rows_applied));
  rows_->WithLabels({"created"})->Increment(static_cast<double>(rows_created));
}

void PsMetrics::ObserveCheckpoint(uint64_t rows, uint64_t bytes,
                                  double seconds) {
  checkpoints_->Get()->Increment();
  checkpoint_rows_->Get()->Increment(static_cast<double>(rows));
  checkpoint_bytes_->Get()->Increment(static_cast<double>(bytes));
  last_checkpoint_seconds_->Get()->Set(seconds);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
PsMetrics::NewInterceptorFactory() {
  return std::make_unique<InterceptorFactory>(this);
}

void PsMetrics::Refresh() {
  // Tables may be dropped by a Restore: rebuild the per-table gauges.
  table_rows_->Clear();
  table_bytes_->Clear();
  table_version_->Clear();
  for (const TableInfo& t : state_->ListTables()) {
    table_rows_->WithLabels({t.spec.name})->Set(static_cast<double>(t.rows));
    table_bytes_->WithLabels({t.spec.name})->Set(static_cast<double>(t.bytes));
    table_version_->WithLabels({t.spec.name})
        ->Set(static_cast<double>(t.version));
  }
  // ServerStats counts payload bytes; GetStats(reset) may zero it, after
  // which the whole new total is new.
  const ServerStats::Snapshot s = state_->stats().Get(/*reset=*/false);
  absl::MutexLock lock(&mu_);
  const uint64_t in =
      s.bytes_in >= last_bytes_in_ ? s.bytes_in - last_bytes_in_ : s.bytes_in;
  const uint64_t out = s.bytes_out >= last_bytes_out_
                           ? s.bytes_out - last_bytes_out_
                           : s.bytes_out;
  payload_bytes_->WithLabels({"in"})->Increment(static_cast<double>(in));
  payload_bytes_->WithLabels({"out"})->Increment(static_cast<double>(out));
  last_bytes_in_ = s.bytes_in;
  last_bytes_out_ = s.bytes_out;
}

}  // namespace tailor
