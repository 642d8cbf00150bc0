#ifndef TAILOR_TESTS_DISTRIBUTED_LOCAL_CLUSTER_H_
#define TAILOR_TESTS_DISTRIBUTED_LOCAL_CLUSTER_H_

// A whole distributed job as real processes on loopback for the tests:
// tailor_ps shards, one tailor_coordinator and tailor_worker processes,
// started from the test's runfiles with OS-chosen ports (port files), and
// killed when the cluster is destroyed. Also writes the small datasets the
// tests train on. Not thread-safe.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tailor::testing_dist {

// One child process; stdout and stderr go to files.
class Process {
 public:
  Process() = default;
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  absl::Status Start(const std::vector<std::string>& argv,
                     const std::string& stdout_path,
                     const std::string& stderr_path);
  // Polls `port_file` (written by rename) until it holds a port, the
  // process exits, or `timeout` passes.
  absl::StatusOr<int> WaitForPort(const std::string& port_file,
                                  absl::Duration timeout);
  // Waits for the exit; returns the exit code, or -signal. DEADLINE_EXCEEDED
  // after `timeout` (the process is then killed).
  absl::StatusOr<int> Wait(absl::Duration timeout);
  void Kill(int signal);
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = 0;
};

struct ClusterOptions {
  std::string dir;  // scratch directory (absolute), must exist
  int shards = 2;
  int workers = 2;
  std::string job_spec_text;                   // text-format JobSpec
  std::vector<std::string> coordinator_flags;  // extra flags
  int worker_threads = 1;
  // tailor_worker processes started for slots 0.. (-1: one per slot); the
  // test may play the other slots itself.
  int worker_processes = -1;
};

class LocalCluster {
 public:
  explicit LocalCluster(ClusterOptions options);
  ~LocalCluster();
  // Starts the shards, the coordinator (with --progress_json, export to
  // <dir>/models, name "model") and the workers.
  absl::Status Start();
  // Waits for the coordinator and the workers to exit; returns the
  // coordinator's exit code (workers' codes in worker_exit_codes()).
  absl::StatusOr<int> WaitForJob(absl::Duration timeout);
  const std::vector<int>& worker_exit_codes() const { return worker_codes_; }
  // The coordinator's stdout (the progress JSON lines) and stderr.
  std::string CoordinatorStdout() const;
  std::string CoordinatorStderr() const;
  std::string state_dir() const { return options_.dir + "/state"; }
  std::string models_dir() const { return options_.dir + "/models"; }
  const std::vector<std::string>& ps_addresses() const { return addresses_; }
  // host:port of the coordinator, once started.
  const std::string& coordinator_address() const {
    return coordinator_address_;
  }

 private:
  ClusterOptions options_;
  std::vector<std::unique_ptr<Process>> shards_, workers_;
  std::unique_ptr<Process> coordinator_;
  std::vector<std::string> addresses_;
  std::string coordinator_address_;
  std::vector<int> worker_codes_;
};

// A ratings dataset with planted low-rank structure (values 1..5), written
// in tailor ingest's format to `dir` (must not exist). Deterministic.
absl::Status WriteSyntheticRatings(const std::string& dir, int users, int items,
                                   int per_user, uint64_t seed);
// MovieLens 100K's u.data (user, item, rating, timestamp; plain or gzip)
// as a dataset.
absl::Status WriteMovieLens100k(const std::string& u_data,
                                const std::string& dir);

// The last line of `text` that parses as a JSON object with key "done".
std::string LastDoneLine(const std::string& text);

}  // namespace tailor::testing_dist

#endif  // TAILOR_TESTS_DISTRIBUTED_LOCAL_CLUSTER_H_
