#ifndef TAILOR_TRAINER_DISTRIBUTED_PARTITION_DATA_H_
#define TAILOR_TRAINER_DISTRIBUTED_PARTITION_DATA_H_

// The training data of a distributed job, read partition by partition from
// the dataset's user-major and item-major partition files so that no
// process holds the whole matrix (docs/distributed.md, "Memory").
//
// ComputeJobLayout (the coordinator) streams the user-major partitions once,
// one at a time, and keeps per-user / per-item counts, the grid, the mean
// and a bounded sample of held-out users. WorkerData (a worker) loads only
// the grid partitions its tasks name, and for ALS keeps each partition with
// its columns renumbered to the fixed-side rows it touches. Both apply the
// job's stratified split exactly as LoadTrainingData does (same merge of
// repeated events, same random stream), so their matrices are the
// corresponding slices of LoadTrainingData's. Functions are thread-safe;
// WorkerData is thread-compatible.

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/sgd/block_grid.h"

namespace tailor::distributed {

// The held-out users the coordinator evaluates: row i of train / test is
// dense user users[i] (columns are all items).
struct EvalSample {
  std::vector<uint32_t> users;  // ascending
  CsrMatrix train, test;
};

struct JobLayout {
  std::vector<uint64_t> user_keys, item_keys;  // by dense index
  GridPartition grid;                          // == LoadTrainingData's grid
  double global_mean = 0;
  int64_t train_entries = 0;
  EvalSample eval;  // empty unless job.evaluate
};

// Streams the dataset. The eval sample holds the held-out users with the
// smallest DeriveSeed(split_seed, 0xe5a1, u) — at most `eval_max_users`
// of them (0: all). Errors: dataset errors naming the file, an empty
// dataset, too few users or items for the partitions (INVALID_ARGUMENT).
absl::StatusOr<JobLayout> ComputeJobLayout(FileSystem* fs,
                                           const DistributedJob& job,
                                           int64_t eval_max_users);

// One grid partition of one side. `rows` has end - begin rows; its columns
// are global dense indices of the other side, or with `compact` indices
// into `fixed` (the sorted global indices the rows touch).
struct SidePartition {
  uint32_t begin = 0, end = 0;
  CsrMatrix rows;
  bool compact = false;
  std::vector<uint32_t> fixed;
  // SGD (user side, not compact): the partition split by column block once
  // BlockOf asked for it (users as global dense indices); `rows` is
  // released then.
  std::vector<SgdBlock> blocks;
};

class WorkerData {
 public:
  // Opens the dataset (tables and manifest only). `compact`: keep
  // partitions compacted (ALS) rather than with global columns (SGD).
  static absl::StatusOr<std::unique_ptr<WorkerData>> Open(
      FileSystem* fs, const DistributedJob& job, bool compact);

  const std::vector<uint64_t>& user_keys() const { return user_keys_; }
  const std::vector<uint64_t>& item_keys() const { return item_keys_; }

  // Loads the partitions of one side that are not loaded yet (all of them
  // in one pass over the files). `row_cuts`/`col_cuts` come with the task;
  // when they differ from the ones the cache was built with, it is dropped.
  // Errors: cuts that do not fit the dataset, dataset errors.
  absl::Status Ensure(bool user_side, const std::vector<uint32_t>& partitions,
                      const std::vector<uint32_t>& row_cuts,
                      const std::vector<uint32_t>& col_cuts);
  // A partition loaded by Ensure (nullptr otherwise).
  const SidePartition* Get(bool user_side, uint32_t p) const;

  // SGD: block (row partition p, column block c) of the grid, with the
  // users as global dense indices. The first call for p splits the loaded
  // user partition p into its column blocks (as ExtractBlock does) and
  // frees its rows, so the partition is held once either way. Errors:
  // FAILED_PRECONDITION when p was not loaded (Ensure) or is compact,
  // INVALID_ARGUMENT for c out of range.
  absl::StatusOr<const SgdBlock*> BlockOf(uint32_t p, uint32_t c);

  // Bytes of matrix data held.
  int64_t bytes() const;

 private:
  WorkerData(FileSystem* fs, const DistributedJob& job, bool compact)
      : fs_(fs), job_(job), compact_(compact) {}

  FileSystem* fs_;
  const DistributedJob job_;
  const bool compact_;
  std::vector<uint64_t> user_keys_, item_keys_;
  std::vector<uint32_t> row_cuts_, col_cuts_;
  std::map<uint32_t, SidePartition> users_, items_;
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_PARTITION_DATA_H_
