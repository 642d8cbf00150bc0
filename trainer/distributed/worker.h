#ifndef TAILOR_TRAINER_DISTRIBUTED_WORKER_H_
#define TAILOR_TRAINER_DISTRIBUTED_WORKER_H_

// A training worker (docs/distributed.md): registers with the coordinator,
// opens the dataset, then asks for tasks and runs them
// (als_task.h, sgd_task.h) against the parameter servers, loading the
// partitions a task names the first time (partition_data.h), while a second
// thread heart-beats. It keeps nothing that cannot be rebuilt from the
// dataset and the shards: after a lost lease or a coordinator restart it
// registers again and carries on. Run() is called once, from one thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "core/file_system.h"
#include "core/logging/json_log.h"
#include "parameter_server/ps_client.h"
#include "trainer/distributed/coordinator_client.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/distributed/partition_data.h"
#include "trainer/distributed/task_context.h"

namespace tailor::distributed {

struct WorkerOptions {
  int requested_worker_index = -1;  // slot to ask for; -1: any
  int threads = 1;                  // OpenMP threads of the solves
  // How long the coordinator may stay unreachable before Run() fails.
  int64_t coordinator_wait_ms = 120000;
  std::string hostname;
  FileSystem* fs = nullptr;  // default: PosixFileSystem()
  // Creates the parameter-server client (default: PsClient::Create).
  std::function<absl::StatusOr<std::unique_ptr<PsClient>>(
      const PsClientOptions&)>
      ps_factory;
  // Event lines (registered, dataset opened, task failed, done); null: text
  // lines on standard error. Not owned.
  logging::Logger* log = nullptr;
};

class Worker {
 public:
  Worker(const WorkerOptions& options, CoordinatorClient* coordinator);
  ~Worker();

  // Works until the coordinator says stop (OK). Errors: the coordinator
  // unreachable for coordinator_wait_ms, a job spec or dataset this worker
  // cannot load (named), INVALID_ARGUMENT from the coordinator.
  absl::Status Run();

 private:
  absl::Status RegisterAndLoad();
  absl::Status RunTask(const tailor::v1::Task& task);
  void HeartbeatLoop(uint64_t worker_id, int64_t interval_ms);
  void StopHeartbeats();

  const WorkerOptions options_;
  std::unique_ptr<logging::Logger> own_log_;  // when options_.log is null
  logging::Logger* const log_;
  CoordinatorClient* const coordinator_;
  std::string job_text_;  // spec the loaded data belongs to
  std::unique_ptr<DistributedJob> job_;
  std::unique_ptr<WorkerData> data_;  // the partitions tasks named so far
  WarmStarts warm_;                   // ALS rows this worker last pushed
  std::unique_ptr<PsClient> ps_;
  uint64_t worker_id_ = 0;
  absl::Time last_contact_;

  std::atomic<bool> abort_task_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> reregister_{false};
  std::atomic<uint64_t> current_task_{0};
  absl::Mutex mu_;
  bool heartbeat_stop_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<std::thread> heartbeat_;
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_WORKER_H_
