#ifndef TAILOR_TOOLS_CLUSTER_SUPERVISOR_H_
#define TAILOR_TOOLS_CLUSTER_SUPERVISOR_H_

// A process supervisor, as an orchestrator would be for a Tailor job: starts
// named processes with their output in log files, waits for their port
// files, restarts a crashed process with the same flags and the same port
// (plus restart-only flags such as --restore), within a bounded number of
// restarts (restart_policy.h), and stops every process group on Stop() or
// destruction. docs/cluster.md describes the behaviour.
//
// Thread-safety: all methods may be called from any thread. Each process
// has one slot thread that spawns it, blocks in waitid() until it ends, and
// decides about a restart; callbacks run on those threads and must not call
// Stop() or a Wait* method.

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tools/cluster/process_spec.h"
#include "tools/cluster/restart_policy.h"

namespace tailor {
namespace cluster {

struct SupervisorOptions {
  // Directory for <name>.stdout.log and <name>.stderr.log (created if
  // missing). Required.
  std::string log_dir;
  RestartPolicyOptions restart;
  // Stop(): time between SIGTERM and SIGKILL (default 10 s).
  absl::Duration stop_grace = absl::Seconds(10);
  // Optional; called on every start and exit of every process.
  std::function<void(const ProcessEvent&)> on_event;
};

class Supervisor {
 public:
  static absl::StatusOr<std::unique_ptr<Supervisor>> Create(
      SupervisorOptions options);
  ~Supervisor();  // Stop()
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts `spec`; returns once it has been spawned. ALREADY_EXISTS for a
  // name in use, FAILED_PRECONDITION if the binary cannot be run,
  // CANCELLED after Stop().
  absl::Status Start(ProcessSpec spec);

  // Waits for the current incarnation's port file. Errors: the process
  // ended first (naming its exit and its stderr log), or DEADLINE_EXCEEDED.
  absl::StatusOr<int> WaitForPort(const std::string& name, absl::Time deadline);

  // Waits until `name` has been started at least `starts` times (1 = the
  // first start); fails if it ended for good first, or at the deadline.
  absl::Status WaitForStarts(const std::string& name, int starts,
                             absl::Time deadline);

  // Waits until `name` ends for good. OK if it finished (exit code 0);
  // otherwise an error naming the process, its last exit and its log. Also
  // returns early with that error if any process fails for good.
  absl::Status WaitForFinish(const std::string& name, absl::Time deadline);

  // Sends `sig` to the process group of the current incarnation
  // (fault injection, or a graceful stop of one process). NOT_FOUND if the
  // process is not running.
  absl::Status Signal(const std::string& name, int sig);

  // Marks `name` as not to be restarted any more, then sends SIGTERM (and
  // SIGKILL after stop_grace) and waits for it to end.
  absl::Status StopProcess(const std::string& name);

  // The next exit of `name` is final: exit code 0 finishes it, anything else
  // fails it without a restart (for a process that reported that it gave up
  // on purpose, so a restart would only repeat the failure).
  void MarkFinal(const std::string& name);

  // SIGTERM to every process group, SIGKILL to those still running after
  // stop_grace; waits for all and joins the slot threads. Idempotent.
  void Stop();

  // Current pid of `name` (0 if not running).
  pid_t Pid(const std::string& name) const;

  // One report per process, in start order.
  std::vector<ProcessReport> Reports() const;

 private:
  struct Slot;
  explicit Supervisor(SupervisorOptions options);
  void RunSlot(Slot* slot);
  absl::Status SlotFailure(const Slot& slot) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ProcessReport ReportOf(const Slot& slot) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AnyFailedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopSlots(const std::vector<Slot*>& slots);

  const SupervisorOptions options_;
  absl::Mutex stop_mu_;  // serializes Stop(): the slot threads join once
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Slot*> by_name_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cluster
}  // namespace tailor

#endif  // TAILOR_TOOLS_CLUSTER_SUPERVISOR_H_
