#ifndef TAILOR_TRAINER_DISTRIBUTED_TASK_CONTEXT_H_
#define TAILOR_TRAINER_DISTRIBUTED_TASK_CONTEXT_H_

// What a worker needs to run one task, and what a task reports back. The
// task functions (als_task.h, sgd_task.h) keep no state between calls: all
// they read comes from the dataset and the parameter servers, so any worker
// can run (or re-run) any task. The worker may keep the rows it solved in an
// ALS step (WarmStarts) to skip pulling them back as the next step's CG warm
// start; a cached copy is used only when it is exactly what the shards hold.
// In SGD the worker keeps a row block's user rows from one sub-epoch to the
// next of the same iteration (sgd_task.h); they reach the shards at the
// iteration's last sub-epoch.

#include <atomic>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "parameter_server/ps_client.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/distributed/partition_data.h"

namespace tailor::distributed {

// Rows of one grid partition as this worker pushed them in an ALS step, or
// (SGD) the user rows of a row block as this worker left them after a
// sub-epoch, not pushed yet.
struct SolvedRows {
  uint64_t generation = 0;  // Task.generation of the step
  uint32_t iteration = 0;   // Task.iteration of the step
  int64_t sub_epoch = -1;   // SGD: the sub-epoch that left them; ALS: -1
  std::vector<float> rows;  // (end - begin) x k
  std::vector<float> bias;  // SGD: the user biases (empty without)
};
// Key: (user side, partition); SGD: (true, row block).
using WarmStarts = std::map<std::pair<bool, uint32_t>, SolvedRows>;

struct TaskContext {
  const DistributedJob* job = nullptr;
  WorkerData* data = nullptr;  // loads the task's partitions on demand
  // Warm starts kept from earlier steps (optional; read only).
  const WarmStarts* warm = nullptr;
  PsClient* ps = nullptr;  // with the worker's id (needed to Push)
  int threads = 1;
  // Set (by the heartbeat thread) when the coordinator withdrew the task;
  // tasks check it between chunks and stop with ABORTED before pushing.
  const std::atomic<bool>* abort = nullptr;
  bool aborted() const { return abort != nullptr && abort->load(); }
};

// Partial sums and traffic of one task (see LossPartial in
// coordinator.proto). Bytes are payload bytes: 8 per key, 4 per float.
struct TaskOutcome {
  double data_loss_sum = 0;
  double regularization_sum = 0;
  int64_t count = 0;
  int64_t rows_solved = 0;
  int64_t rows_pulled = 0;
  int64_t rows_pushed = 0;
  int64_t bytes_pulled = 0;
  int64_t bytes_pushed = 0;
  int64_t min_rows = 0;  // ALS: fixed rows touched + rows pushed
  // ALS: the solved rows by partition, for the worker's WarmStarts once the
  // coordinator accepted the report.
  WarmStarts solved;
};

inline int64_t RowPayloadBytes(int64_t rows, int dim) {
  return rows * (8 + 4 * int64_t{dim});
}

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_TASK_CONTEXT_H_
