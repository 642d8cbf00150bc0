#ifndef TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_EVENT_METRICS_H_
#define TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_EVENT_METRICS_H_

// CoordinatorEvents as Prometheus counters (docs/observability.md):
// tailor_coordinator_rollbacks_total,
// tailor_coordinator_task_reassignments_total{reason} and
// tailor_coordinator_workers_lost_total{reason}. Lock-free increments, so
// it may be called with the coordinator's mutex held. Thread-safe.

#include "absl/strings/string_view.h"
#include "core/metrics/metric_registry.h"
#include "trainer/distributed/coordinator_events.h"

namespace tailor::distributed {

class CoordinatorEventMetrics final : public CoordinatorEvents {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit CoordinatorEventMetrics(metrics::MetricRegistry* registry);

  void OnRollback() override;
  void OnTaskReassigned(absl::string_view reason) override;
  void OnWorkerLost(absl::string_view reason) override;

 private:
  metrics::Counter* rollbacks_;
  metrics::MetricFamily<metrics::Counter>* reassignments_;
  metrics::MetricFamily<metrics::Counter>* workers_lost_;
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_EVENT_METRICS_H_
