#ifndef TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_METRICS_H_
#define TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_METRICS_H_

// Prometheus metrics of a training job's coordinator
// (docs/observability.md): iteration progress, job state, workers by state,
// healthy shards, the newest checkpoint, and the last iteration's loss,
// held-out metrics, rows solved and bytes moved. All are gauges refreshed at
// each scrape from a GetJobStatus snapshot, so the coordinator itself knows
// nothing of metrics. Thread-safe.

#include <functional>

#include "absl/status/status.h"
#include "core/metrics/metric_registry.h"
#include "tailor/v1/coordinator.pb.h"

namespace tailor::distributed {

class CoordinatorMetrics {
 public:
  // Fills a job status snapshot (e.g. Coordinator::GetJobStatus).
  using StatusSource =
      std::function<absl::Status(tailor::v1::GetJobStatusResponse*)>;

  // Registers the families and a scrape hook in `registry`, which must
  // outlive this object (and the hook must not run after it is destroyed:
  // stop the metrics endpoint first).
  CoordinatorMetrics(metrics::MetricRegistry* registry, StatusSource source);

  // Refreshes every gauge from one snapshot (what the scrape hook does).
  void Update(const tailor::v1::GetJobStatusResponse& status);

 private:
  void Refresh();

  const StatusSource source_;
  metrics::MetricFamily<metrics::Gauge>* iteration_;
  metrics::MetricFamily<metrics::Gauge>* iterations_;
  metrics::MetricFamily<metrics::Gauge>* iterations_done_;
  metrics::MetricFamily<metrics::Gauge>* state_;
  metrics::MetricFamily<metrics::Gauge>* workers_;
  metrics::MetricFamily<metrics::Gauge>* shards_healthy_;
  metrics::MetricFamily<metrics::Gauge>* shard_rows_;
  metrics::MetricFamily<metrics::Gauge>* last_checkpoint_;
  metrics::MetricFamily<metrics::Gauge>* loss_;
  metrics::MetricFamily<metrics::Gauge>* eval_metric_;
  metrics::MetricFamily<metrics::Gauge>* best_metric_;
  metrics::MetricFamily<metrics::Gauge>* iteration_seconds_;
  metrics::MetricFamily<metrics::Gauge>* rows_solved_;
  metrics::MetricFamily<metrics::Gauge>* bytes_moved_;
  metrics::MetricFamily<metrics::Gauge>* status_errors_;
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_METRICS_H_
