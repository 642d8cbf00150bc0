#ifndef TAILOR_TOOLS_CLUSTER_SPAWN_H_
#define TAILOR_TOOLS_CLUSTER_SPAWN_H_

// Starting one child process for the supervisor: fork + exec with the
// child's own process group, standard output and error sent to given
// descriptors, and PR_SET_PDEATHSIG so the child is killed if the thread
// that spawned it (the supervisor's slot thread) ends without stopping it,
// which includes the whole supervisor being killed.

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/cluster/restart_policy.h"

namespace tailor {
namespace cluster {

struct SpawnOptions {
  std::string binary;             // path of the executable
  std::vector<std::string> args;  // argv[1..]; argv[0] is `binary`
  int stdout_fd = -1;             // not owned; -1: /dev/null
  int stderr_fd = -1;             // not owned; -1: /dev/null
};

// Starts the process; its pid is also its process group id, so
// kill(-pid, sig) reaches it and everything it started. Standard input is
// /dev/null, the signal mask is empty and every signal has its default
// action. Errors (fork failed, or exec failed: no such binary, not
// executable) name the binary; the child is then already reaped.
absl::StatusOr<pid_t> SpawnProcess(const SpawnOptions& options);

// Converts a waitpid status.
ExitStatus ExitStatusFromWait(int wait_status);

// Blocks until `pid` (a child of this process) has exited, without reaping
// it, so the pid stays reserved; returns false on an unexpected error.
bool WaitForExitNoReap(pid_t pid);

// Reaps `pid` (after WaitForExitNoReap) and returns how it ended and, in
// `max_rss_kb`, its peak resident set size in KiB.
ExitStatus ReapProcess(pid_t pid, int64_t* max_rss_kb);

// Peak resident set size (VmHWM) of a live process in KiB, or 0.
int64_t PeakRssKb(pid_t pid);

}  // namespace cluster
}  // namespace tailor

#endif  // TAILOR_TOOLS_CLUSTER_SPAWN_H_
