#ifndef TAILOR_TESTS_NETFAULT_PROXIED_JOB_H_
#define TAILOR_TESTS_NETFAULT_PROXIED_JOB_H_

// A distributed training job whose parameter-server links go through
// FaultProxy (docs/netfault.md): S tailor_ps shards, one FaultProxy per
// shard, a tailor_coordinator given the proxies' addresses as
// --ps_addresses (so the coordinator and, through Register, every worker
// reach shard i only through proxy i), and W tailor_worker processes, all
// on loopback with OS-chosen ports. Also writes the small planted-cluster
// dataset the tests train on. Every process is killed when the job object
// is destroyed. Not thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/netfault/child_process.h"
#include "tools/netfault/fault_proxy.h"

namespace tailor {
namespace netfault {

struct ProxiedJobOptions {
  std::string dir;  // scratch directory (absolute); recreated
  std::string job_spec_text;
  int shards = 2;
  int workers = 2;
  std::vector<std::string> coordinator_flags;  // extra flags
  std::vector<std::string> worker_flags;       // extra flags
};

class ProxiedJob {
 public:
  // Starts the shards, their proxies, the coordinator (waiting for its
  // port) and the workers.
  static absl::StatusOr<std::unique_ptr<ProxiedJob>> Start(
      const ProxiedJobOptions& options);
  ~ProxiedJob();

  FaultProxy& shard_proxy(int shard) { return *proxies_[shard]; }

  // Blocks (inotify on the coordinator's stdout) until the progress line of
  // `iteration` or the final line has been printed, the coordinator exits,
  // or `timeout` passes; true when the iteration's line is there.
  bool WaitForIteration(int iteration, absl::Duration timeout);
  // Waits for the coordinator's exit (its code), then stops the workers
  // (they are told STOP by a finished coordinator; any still running after
  // `worker_grace` are killed and reported as -9).
  absl::StatusOr<int> WaitForCoordinator(absl::Duration timeout,
                                         absl::Duration worker_grace);
  const std::vector<int>& worker_exit_codes() const { return worker_codes_; }

  // The coordinator's progress lines and its final {"done": ...} line
  // (null when none was printed).
  std::vector<nlohmann::json> Iterations() const;
  nlohmann::json FinalLine() const;
  std::string CoordinatorStderr() const;
  std::string state_dir() const { return options_.dir + "/state"; }

 private:
  explicit ProxiedJob(ProxiedJobOptions options)
      : options_(std::move(options)) {}
  std::string stdout_path() const { return options_.dir + "/coordinator.out"; }

  const ProxiedJobOptions options_;
  std::vector<std::unique_ptr<ChildProcess>> shards_, workers_;
  std::vector<std::unique_ptr<FaultProxy>> proxies_;
  std::unique_ptr<ChildProcess> coordinator_;
  std::vector<int> worker_codes_;
};

// A dataset with planted structure: `users` users and `items` items in
// `clusters` clusters; each user has `per_user` distinct items, mostly of
// its own cluster (value 5), else others (value 1). Written in tailor
// ingest's format to `dir` (must not exist). Deterministic for `seed`.
absl::Status WritePlantedDataset(const std::string& dir, int users, int items,
                                 int clusters, int per_user, uint64_t seed);

}  // namespace netfault
}  // namespace tailor

#endif  // TAILOR_TESTS_NETFAULT_PROXIED_JOB_H_
