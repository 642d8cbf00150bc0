#ifndef TAILOR_PARAMETER_SERVER_PS_METRICS_H_
#define TAILOR_PARAMETER_SERVER_PS_METRICS_H_

// Prometheus metrics of one parameter-server shard (docs/observability.md):
// calls by method and status code, latency histograms, payload bytes, rows
// pulled and pushed, deduplicated pushes, checkpoints, and per-table gauges
// refreshed at each scrape from the ShardState. Calls are observed by a gRPC
// server interceptor (NewInterceptorFactory), so the service stays unaware
// of metrics. Thread-safe.

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/metrics/metric_registry.h"
#include "parameter_server/shard_state.h"

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}  // namespace grpc::experimental

namespace tailor {

class PsMetrics {
 public:
  // Registers the families in `registry`; `registry` and `state` must
  // outlive this object.
  PsMetrics(metrics::MetricRegistry* registry, ShardState* state);

  // One finished call of `method` (short name, e.g. "Push").
  void ObserveCall(absl::string_view method, absl::StatusCode code,
                   double latency_seconds);
  void ObservePulledRows(uint64_t rows);
  void ObservePush(uint64_t rows_applied, uint64_t rows_created,
                   bool already_applied);
  void ObserveCheckpoint(uint64_t rows, uint64_t bytes, double seconds);

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

 private:
  void Refresh();

  ShardState* const state_;
  metrics::MetricFamily<metrics::Counter>* requests_;
  metrics::MetricFamily<metrics::Histogram>* latency_;
  metrics::MetricFamily<metrics::Counter>* payload_bytes_;
  metrics::MetricFamily<metrics::Counter>* rows_;
  metrics::MetricFamily<metrics::Counter>* pushes_deduplicated_;
  metrics::MetricFamily<metrics::Counter>* checkpoints_;
  metrics::MetricFamily<metrics::Counter>* checkpoint_rows_;
  metrics::MetricFamily<metrics::Counter>* checkpoint_bytes_;
  metrics::MetricFamily<metrics::Gauge>* last_checkpoint_seconds_;
  metrics::MetricFamily<metrics::Gauge>* table_rows_;
  metrics::MetricFamily<metrics::Gauge>* table_bytes_;
  metrics::MetricFamily<metrics::Gauge>* table_version_;
  metrics::MetricFamily<metrics::Gauge>* shard_info_;

  absl::Mutex mu_;  // the payload byte totals seen at the last scrape
  uint64_t last_bytes_in_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_bytes_out_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_PS_METRICS_H_
