#ifndef TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_EVENTS_H_
#define TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_EVENTS_H_

// Events of a training job that a status snapshot cannot show, reported by
// the Coordinator as they happen (e.g. counted as Prometheus counters by
// CoordinatorEventMetrics). Called on the coordinator's RPC and driver
// threads, some with its mutex held: implementations must be thread-safe,
// fast and must never block or call back into the coordinator.

#include "absl/strings/string_view.h"

namespace tailor::distributed {

class CoordinatorEvents {
 public:
  virtual ~CoordinatorEvents() = default;
  // A rollback to the last checkpoint after a shard loss began.
  virtual void OnRollback() = 0;
  // A running task was taken from its worker to be offered again: reason
  // "worker_lost" (its worker was lost) or "deadline" (it ran past
  // task_deadline_ms).
  virtual void OnTaskReassigned(absl::string_view reason) = 0;
  // A worker was declared lost: reason "lease_expired" (no heartbeat within
  // the lease) or "replaced" (a new process registered for its slot).
  virtual void OnWorkerLost(absl::string_view reason) = 0;
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_EVENTS_H_
