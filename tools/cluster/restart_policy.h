#ifndef TAILOR_TOOLS_CLUSTER_RESTART_POLICY_H_
#define TAILOR_TOOLS_CLUSTER_RESTART_POLICY_H_

// When a supervised process ends, whether to start it again. A stateless
// policy (docs/cluster.md, "Supervision"): exit code 0 means the process
// finished its work; death by a signal or any other exit code is a crash
// and is restarted, up to a bound, unless the code says that starting again
// cannot help (a usage error, by convention exit code 2).

#include <string>
#include <vector>

namespace tailor {
namespace cluster {

// How one incarnation of a process ended.
struct ExitStatus {
  bool signaled = false;  // true: killed by `signal`; false: exited `code`
  int code = 0;
  int signal = 0;
};

// "exit code 1", "killed by signal 9 (Killed)".
std::string DescribeExit(const ExitStatus& exit);

struct RestartPolicyOptions {
  // Restarts allowed per process over the whole run (default 3).
  int max_restarts = 3;
  // Exit codes that are final failures, never restarted (default {2}: the
  // Tailor binaries' code for bad flags or a bad job spec).
  std::vector<int> permanent_exit_codes = {2};
};

enum class RestartDecision {
  kFinished,          // exited 0: done, not restarted
  kRestart,           // crashed; start it again with the same flags
  kStopped,           // the supervisor is stopping: not restarted
  kPermanentFailure,  // exit code in permanent_exit_codes
  kTooManyRestarts,   // crashed with max_restarts already used
};

const char* RestartDecisionName(RestartDecision decision);

// Pure function of its arguments; `restarts_so_far` counts earlier restarts
// of this process.
RestartDecision DecideRestart(const ExitStatus& exit, int restarts_so_far,
                              bool supervisor_stopping,
                              const RestartPolicyOptions& options);

}  // namespace cluster
}  // namespace tailor

#endif  // TAILOR_TOOLS_CLUSTER_RESTART_POLICY_H_
