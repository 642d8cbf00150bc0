#ifndef TAILOR_TOOLS_CLUSTER_CLUSTER_RUNNER_H_
#define TAILOR_TOOLS_CLUSTER_CLUSTER_RUNNER_H_

// Runs one distributed training job on this machine, as `tailor cluster`
// does (docs/cluster.md): S tailor_ps shards, one tailor_coordinator and W
// tailor_worker processes on loopback with OS-chosen ports, under a
// Supervisor that restarts crashed processes (shards with --restore, every
// process on its old port). The coordinator's progress lines are parsed and
// passed on; the job ends when the coordinator exits (0: completed and
// exported) or a process fails for good, or at the job deadline.
//
// Thread-safety: Start, Wait and Stop from one thread; supervisor() may be
// used from any thread (fault injection). Callbacks run on supervisor
// threads.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tailor/v1/job.pb.h"
#include "tools/cluster/supervisor.h"

namespace tailor {
namespace cluster {

struct ClusterBinaries {
  std::string ps;           // tailor_ps
  std::string coordinator;  // tailor_coordinator
  std::string worker;       // tailor_worker
};

// Fills each empty path of `given` with the first existing executable among:
// next to `self` (the running binary), in `self`'s Bazel runfiles, or at
// its place in the same bazel-bin tree. NOT_FOUND names what is missing and
// the flag that sets it.
absl::StatusOr<ClusterBinaries> FindClusterBinaries(ClusterBinaries given,
                                                    const std::string& self);

// One line of the coordinator's --progress_json output.
struct ProgressLine {
  std::string text;     // the raw line
  nlohmann::json json;  // parsed
  bool final = false;   // {"done": ...}
};

struct ClusterOptions {
  ClusterBinaries binaries;
  // dataset_dir must be set. Checkpoints default to every iteration.
  tailor::v1::JobSpec spec;
  // Absolute, created: job.textproto, logs/, ports/, state/ (coordinator
  // state and shard checkpoints), models/ (default export base).
  std::string work_dir;
  int shards = 2;
  int workers = 2;
  int worker_threads = 1;
  std::string host = "127.0.0.1";
  std::string export_base;  // default <work_dir>/models
  std::string export_name = "default";
  RestartPolicyOptions restart;
  absl::Duration stop_grace = absl::Seconds(10);
  // Shards, then the coordinator (which reads the dataset layout before it
  // listens: minutes at 10^8 interactions on 2 cores), must write their ports
  // within this time.
  absl::Duration startup_timeout = absl::Minutes(15);
  absl::Duration job_timeout = absl::Hours(48);
  // Transport security (docs/security.md). Empty: every process is started
  // with --insecure (plaintext, said in each process's log). Otherwise an
  // absolute directory made by tools/certs/make_certs.sh: ca.crt and
  // <role>.crt / <role>.key for ps, coordinator and worker; every process
  // then runs with mutual TLS and its role's certificate.
  std::string tls_dir;
  // Extra flags for every coordinator / worker start (e.g. lease times).
  std::vector<std::string> coordinator_args, worker_args;
  std::function<void(const ProgressLine&)> on_progress;
  std::function<void(const ProcessEvent&)> on_event;
};

struct ClusterResult {
  std::string export_path;
  std::vector<nlohmann::json> iterations;  // progress lines, in order
  nlohmann::json final_line;               // {"done":true,...}
  std::vector<ProcessReport> processes;
  double seconds = 0;
};

class ClusterRunner {
 public:
  // Process names: "ps0".."ps<S-1>", "coordinator", "worker0"..
  static std::string ShardName(int i);
  static std::string WorkerName(int i);
  static constexpr char kCoordinator[] = "coordinator";

  static absl::StatusOr<std::unique_ptr<ClusterRunner>> Create(
      ClusterOptions options);
  ~ClusterRunner();

  // Writes job.textproto, starts the shards (waiting for their ports), the
  // coordinator (waiting for its port) and the workers. Errors name the
  // process and its log.
  absl::Status Start();

  // Waits for the job to end and stops every process. The result on a
  // completed job; otherwise an error with the coordinator's final error
  // line or the failed process's exit, and the end of its stderr log.
  absl::StatusOr<ClusterResult> Wait();

  void Stop();
  Supervisor* supervisor() { return supervisor_.get(); }
  const std::string& coordinator_address() const { return coordinator_; }
  const std::vector<std::string>& shard_addresses() const { return shards_; }

 private:
  ClusterRunner(ClusterOptions options, std::unique_ptr<Supervisor> supervisor);
  void OnCoordinatorLine(const std::string& line);
  // --insecure, or the TLS flags of `role`'s certificate in tls_dir.
  std::vector<std::string> SecurityArgs(const std::string& role) const;
  std::string Tail(const ProcessReport& report) const;
  // `cause` explained: the coordinator's final error line if it printed
  // one, and the end of the failed process's stderr log.
  absl::Status Explain(const absl::Status& cause,
                       const std::vector<ProcessReport>& processes);

  const ClusterOptions options_;
  std::unique_ptr<Supervisor> supervisor_;
  absl::Time start_time_;
  std::vector<std::string> shards_;
  std::string coordinator_;

  absl::Mutex mu_;
  std::vector<nlohmann::json> iterations_ ABSL_GUARDED_BY(mu_);
  nlohmann::json final_line_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cluster
}  // namespace tailor

#endif  // TAILOR_TOOLS_CLUSTER_CLUSTER_RUNNER_H_
