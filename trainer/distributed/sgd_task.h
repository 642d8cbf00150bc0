#ifndef TAILOR_TRAINER_DISTRIBUTED_SGD_TASK_H_
#define TAILOR_TRAINER_DISTRIBUTED_SGD_TASK_H_

// One DSGD block task on a worker (docs/distributed.md, "SGD"): block
// (row_block, col_block) of the job's grid; pull the block's user rows and
// item rows (and biases), run the single-process kernel RunSgdBlock with the
// single-process trainer's seed for (epoch, block), push the rows back with
// assign. The coordinator hands out the blocks of one stratum at a time, so
// no two workers update the same row at once. Stateless.

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
