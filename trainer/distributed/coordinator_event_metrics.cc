#include "trainer/distributed/coordinator_event_metrics.h"

namespace tailor::distributed {

CoordinatorEventMetrics::CoordinatorEventMetrics(
    metrics::MetricRegistry* registry)
    : rollbacks_(registry
                     ->AddCounter("tailor_coordinator_rollbacks_total",
                                  "Rollbacks to the last checkpoint after a "
                                  "parameter-server shard was lost.")
                     ->Get()),
      reassignments_(registry->AddCounter(
          "tailor_coordinator_task_reassignments_total",
          "Running tasks taken from their worker and offered again, by "
          "reason (worker_lost, deadline).",
          {"reason"})),
      workers_lost_(registry->AddCounter(
          "tailor_coordinator_workers_lost_total",
          "Workers declared lost, by reason (lease_expired, replaced).",
          {"reason"})) {
  // Every series exists from the start, at zero, so rate() and alerts work
  // before the first event.
  reassignments_->WithLabels({"worker_lost"});
  reassignments_->WithLabels({"deadline"});
  workers_lost_->WithLabels({"lease_expired"});
  workers_lost_->WithLabels({"replaced"});
}

void CoordinatorEventMetrics::OnRollback() { rollbacks_->Increment(); }

void CoordinatorEventMetrics::OnTaskReassigned(absl::string_view reason) {
  reassignments_->WithLabels({reason})->Increment();
}

void CoordinatorEventMetrics::OnWorkerLost(absl::string_view reason) {
  workers_lost_->WithLabels({reason})->Increment();
}

}  // namespace tailor::distributed
