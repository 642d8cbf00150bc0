#ifndef TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_H_
#define TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_H_

// The training coordinator without gRPC (docs/distributed.md): membership
// with leases, task assignment, the ALS half-steps and DSGD strata, Gram
// sums from the shards, held-out evaluation, checkpoints with the
// coordinator's own state file, rollback after a shard loss, resume after a
// restart, and the model export. The RPC handlers (Register ... GetJobStatus)
// only take the internal mutex briefly and never block on the network; Run()
// is the one driver thread that talks to the shards. Thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/file_system.h"
#include "core/logging/json_log.h"
#include "nlohmann/json.hpp"
#include "parameter_server/ps_client.h"
#include "tailor/v1/coordinator.pb.h"
#include "trainer/distributed/coordinator_events.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/distributed/partition_data.h"
#include "trainer/distributed/task_context.h"

namespace tailor::distributed {

struct CoordinatorOptions {
  tailor::v1::JobSpec spec;
  std::vector<std::string> ps_addresses;  // index = shard
  // Coordinator state (coordinator_state.json) and the shards' checkpoints
  // (<state_dir>/<iteration 8 digits>/shard-i-of-n/). Required, absolute.
  std::string state_dir;
  int num_workers = 1;
  // Export target; empty: spec.model_export; both empty: no export.
  std::string export_base;
  std::string export_name;
  int64_t lease_ms = 10000;              // worker lease
  int64_t heartbeat_interval_ms = 1000;  // told to workers
  // How long a lost shard may stay unreachable before the job fails.
  int64_t shard_wait_ms = 120000;
  // How long pending work may wait with no live worker before the job fails.
  int64_t worker_wait_ms = 600000;
  int max_task_attempts = 4;  // failures of one task before the job fails
  int max_rollbacks = 20;     // shard-loss recoveries before the job fails
  // Held-out users evaluated per iteration (0: all), a fixed sample.
  int64_t eval_max_users = 10000;
  // A running task not reported DONE or FAILED this long after assignment
  // is withdrawn and offered again, counting as a failed attempt (0: no
  // deadline). Catches a worker that heart-beats but hangs.
  int64_t task_deadline_ms = 900000;
  // ALS: the loss (its observed part costs a pass over every entry) is
  // computed every this many iterations and after the last (0: last only);
  // other progress lines carry "loss": null.
  int loss_every = 1;
  FileSystem* fs = nullptr;  // default: PosixFileSystem()
  // One JSON object per finished iteration and the final line.
  std::function<void(const std::string& json_line)> progress;
  // Told of rollbacks, task reassignments and lost workers (metrics);
  // null: none. Not owned.
  CoordinatorEvents* events = nullptr;
  // Event lines (workers registered and lost, tasks failed or withdrawn,
  // rollbacks, resumption); null: text lines on standard error. Not owned.
  logging::Logger* log = nullptr;
};

class Coordinator {
 public:
  // Validates the job (INVALID_ARGUMENT naming the field), loads the
  // dataset and split. `ps` reaches the shards; not yet contacted.
  static absl::StatusOr<std::unique_ptr<Coordinator>> Create(
      const CoordinatorOptions& options, std::unique_ptr<PsClient> ps);
  ~Coordinator();

  // Drives the job to its end: resumes from state_dir if it holds this
  // job's state, trains, evaluates, checkpoints, exports. Returns the
  // exported version directory ("" without an export target). Errors name
  // what failed (a shard that did not come back, a task that failed
  // max_task_attempts times, no workers, export errors).
  absl::StatusOr<std::string> Run();
  // Makes Run() return CANCELLED soon (e.g. on SIGTERM).
  void Cancel(const std::string& reason);

  // RPC handlers; errors follow coordinator.proto.
  absl::Status Register(const tailor::v1::RegisterRequest& request,
                        tailor::v1::RegisterResponse* response);
  absl::Status Heartbeat(const tailor::v1::HeartbeatRequest& request,
                         tailor::v1::HeartbeatResponse* response);
  absl::Status GetTask(const tailor::v1::GetTaskRequest& request,
                       tailor::v1::GetTaskResponse* response);
  absl::Status ReportProgress(const tailor::v1::ReportProgressRequest& request,
                              tailor::v1::ReportProgressResponse* response);
  absl::Status GetJobStatus(const tailor::v1::GetJobStatusRequest& request,
                            tailor::v1::GetJobStatusResponse* response);

 private:
  struct TaskEntry {
    enum class State { kPending, kRunning, kFailed, kDone };
    tailor::v1::Task task;
    uint32_t preferred_slot = 0;
    State state = State::kPending;
    uint64_t worker_id = 0;  // while kRunning
    absl::Time pending_since;
    absl::Time assigned_at;  // while kRunning
    int failures = 0;
    std::string last_error;
    TaskOutcome outcome;
  };
  struct WorkerEntry {
    uint32_t slot = 0;
    absl::Time last_seen;
    bool lost = false;
    uint64_t task_id = 0;  // task held (0: none)
    bool abort = false;    // say ABORT_TASK at the next heartbeat
    // Its task was withdrawn and it has not called back since (it may
    // still push); a rollback waits for this to clear.
    bool withdrawn = false;
    bool told_stop = false;
    int64_t tasks_done = 0;
    std::string address;
    tailor::v1::WorkerCapabilities capabilities;
    tailor::v1::TaskProgress progress;
  };

  Coordinator(const CoordinatorOptions& options, std::unique_ptr<PsClient> ps,
              DistributedJob job, JobLayout layout);

  // Driver steps (the Run() thread only; mu_ is never held across an RPC).
  absl::Status Start();
  absl::Status RunIteration(int iteration);
  absl::Status RunAlsIteration(int iteration, double* loss,
                               TaskOutcome* traffic);
  absl::Status RunSgdIteration(int iteration, double* loss,
                               TaskOutcome* traffic);
  // Runs the tasks of one step until all are done. UNAVAILABLE when a shard
  // was lost (the caller rolls back), CANCELLED, or the error of a task that
  // failed max_task_attempts times / no live worker for worker_wait_ms.
  absl::Status RunStep(std::vector<TaskEntry> tasks,
                       std::vector<TaskOutcome>* outcomes);
  // UNAVAILABLE when a shard is unreachable or restarted since Start or the
  // last recovery.
  absl::Status CheckShards();
  // An error of a driver RPC: UNAVAILABLE when CheckShards finds a lost
  // shard, else `error` unchanged.
  absl::Status Classify(absl::Status error);
  absl::Status RecordShardStarts();
  absl::Status Recover(const absl::Status& cause);
  absl::Status TakeCheckpoint(int iteration);
  absl::Status WriteState(bool done);
  void Emit(const nlohmann::json& line);
  void Linger();
  bool cancelled();

  void ExpireLeases() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseTaskOf(WorkerEntry& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ExpireTaskDeadlines() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records GetStats results for GetJobStatus (stats nullptr: no shard
  // vouched for; `restarted`: that shard is reported unhealthy).
  void SetShardHealth(const std::vector<ShardStats>* stats, int restarted)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Deletes checkpoints older than the newest checkpoint.keep ones.
  void PruneCheckpoints();
  void WithdrawAllTasks() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits (at most one lease) until every worker whose task was withdrawn
  // called back or was lost, so no push of a withdrawn task lands after a
  // restore.
  void AwaitWithdrawn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasPendingFor(const WorkerEntry& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int LiveWorkers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<WorkerEntry*> FindWorker(uint64_t worker_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CoordinatorOptions options_;
  std::unique_ptr<logging::Logger> own_log_;  // when options_.log is null
  logging::Logger* const log_;
  FileSystem* const fs_;
  const std::unique_ptr<PsClient> ps_;
  const DistributedJob job_;
  const JobLayout layout_;  // keys, grid, mean, the evaluation sample
  const std::string job_id_;
  const std::string spec_text_;

  // Driver-thread state.
  std::vector<int64_t> shard_start_ms_;
  std::optional<GramSum> next_item_gram_;  // Gram of items for the next
                                           // iteration's user step
  int checkpoint_iteration_ = 0;
  int rollbacks_ = 0;
  std::vector<nlohmann::json> lines_;  // progress lines since the start
  std::map<std::string, double> last_metrics_;

  absl::Mutex mu_;
  absl::CondVar cv_;
  std::map<uint64_t, WorkerEntry> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<TaskEntry> tasks_ ABSL_GUARDED_BY(mu_);
  uint64_t next_task_id_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_worker_id_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  bool failure_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::string cancel_reason_ ABSL_GUARDED_BY(mu_);
  tailor::v1::JobState state_ ABSL_GUARDED_BY(mu_) =
      tailor::v1::JOB_STATE_WAITING_FOR_WORKERS;
  int iteration_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<tailor::v1::IterationMetrics> history_ ABSL_GUARDED_BY(mu_);
  int64_t last_checkpoint_ ABSL_GUARDED_BY(mu_) = -1;
  std::string export_path_ ABSL_GUARDED_BY(mu_);
  std::string error_ ABSL_GUARDED_BY(mu_);
  struct ShardHealth {
    bool healthy = false;
    uint64_t rows = 0;
  };
  // From the last GetStats round (CheckShards / RecordShardStarts).
  std::vector<ShardHealth> shard_health_ ABSL_GUARDED_BY(mu_);
  absl::Time last_live_worker_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_H_
