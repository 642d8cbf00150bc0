#ifndef TAILOR_TRAINER_DISTRIBUTED_ALS_TASK_H_
#define TAILOR_TRAINER_DISTRIBUTED_ALS_TASK_H_

// One implicit-ALS half-step task on a worker (docs/distributed.md, "ALS"):
// for each partition of the solve side, pull the fixed-side rows the
// partition touches (sorted unique keys, in chunks, on a second thread while
// the solve side's warm-start rows are pulled), solve the rows with the
// single-process kernel SolveImplicitRows against the Gram of the task, and
// push the solved rows with assign in chunks, each push overlapping the
// solve of the next chunk. Stateless; thread-compatible.

#include "absl/status/statusor.h"
#include "tailor/v1/coordinator.pb.h"
#include "trainer/distributed/task_context.h"

namespace tailor::distributed {

// Errors: INVALID_ARGUMENT for a malformed task (partition out of range,
// Gram of the wrong size), ABORTED when ctx.abort was set, and parameter-
// server errors as PsClient reports them (naming shard and address).
absl::StatusOr<TaskOutcome> RunAlsTask(const TaskContext& ctx,
                                       const tailor::v1::Task& task);

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_ALS_TASK_H_
