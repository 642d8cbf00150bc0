#include "tools/cluster/restart_policy.h"

#include <string.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace cluster {

std::string DescribeExit(const ExitStatus& exit) {
  if (!exit.signaled) return absl::StrCat("exit code ", exit.code);
  return absl::StrCat("killed by signal ", exit.signal, " (",
                      strsignal(exit.signal), ")");
}

const char* RestartDecisionName(RestartDecision decision) {
  switch (decision) {
    case RestartDecision::kFinished:
      return "finished";
    case RestartDecision::kRestart:
      return "restart";
    case RestartDecision::kStopped:
      return "stopped";
    case RestartDecision::kPermanentFailure:
      return "permanent_failure";
    case RestartDecision::kTooManyRestarts:
      return "too_many_restarts";
  }
  return "unknown";
}

RestartDecision DecideRestart(const ExitStatus& exit, int restarts_so_far,
                              bool supervisor_stopping,
                              const RestartPolicyOptions& options) {
  if (supervisor_stopping) return RestartDecision::kStopped;
  if (!exit.signaled && exit.code == 0) return RestartDecision::kFinished;
  if (!exit.signaled &&
      std::find(options.permanent_exit_codes.begin(),
                options.permanent_exit_codes.end(),
                exit.code) != options.permanent_exit_codes.end()) {
    return RestartDecision::kPermanentFailure;
  }
  if (restarts_so_far >= options.max_restarts) {
    return RestartDecision::kTooManyRestarts;
  }
  return RestartDecision::kRestart;
}

}  // namespace cluster
}  // namespace tailor
