#ifndef TAILOR_TRAINER_DISTRIBUTED_SGD_TASK_H_
#define TAILOR_TRAINER_DISTRIBUTED_SGD_TASK_H_

// One DSGD block task on a worker (docs/distributed.md, "SGD"): block
// (row_block, col_block) of the job's grid; pull the block's item rows (and
// biases), take the block's user rows from the ones this worker kept after
// the row block's previous sub-epoch (TaskContext::warm) or else pull them,
// run the single-process kernel RunSgdBlock with the single-process
// trainer's seed for (epoch, block), push the item rows back with assign,
// and the user rows too in the epoch's last sub-epoch. The coordinator
// hands out the blocks of one stratum at a time, so no two workers update
// the same row at once. The user rows go back in TaskOutcome::solved; the
// worker keeps them only once the coordinator accepted the task.

#include "absl/status/statusor.h"
#include "tailor/v1/coordinator.pb.h"
#include "trainer/distributed/task_context.h"

namespace tailor::distributed {

// Errors: INVALID_ARGUMENT for a malformed task, ABORTED when withdrawn,
// parameter-server errors as PsClient reports them.
absl::StatusOr<TaskOutcome> RunSgdTask(const TaskContext& ctx,
                                       const tailor::v1::Task& task);

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_SGD_TASK_H_
