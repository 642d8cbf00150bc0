#ifndef TAILOR_TOOLS_CLUSTER_PROCESS_SPEC_H_
#define TAILOR_TOOLS_CLUSTER_PROCESS_SPEC_H_

// What the supervisor runs (ProcessSpec), what it tells its caller as
// processes start and end (ProcessEvent), and what it reports at the end
// (ProcessReport). Plain values.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/cluster/restart_policy.h"

namespace tailor {
namespace cluster {

struct ProcessSpec {
  std::string name;               // unique; names the log files
  std::string binary;             // executable path
  std::vector<std::string> args;  // argv[1..]
  // If set, the process writes its port here (--port=0 --port_file=...).
  // The file is removed before each start; on a restart the supervisor
  // replaces the --port=... argument with --port=<the port it had> so peers
  // find it at the same address.
  std::string port_file;
  // Appended to `args` on every restart (e.g. {"--restore"}).
  std::vector<std::string> restart_args;
  // If set, standard output goes through a pipe: each line is appended to
  // the stdout log and passed here (from a reader thread). Otherwise it goes
  // straight to the log file.
  std::function<void(const std::string& line)> on_stdout_line;
};

enum class ProcessState {
  kRunning,   // an incarnation is alive (or being restarted)
  kFinished,  // exited 0
  kFailed,    // ended for good otherwise (see ProcessReport::failure)
  kStopped,   // ended by Stop() / StopProcess()
};

const char* ProcessStateName(ProcessState state);

struct ProcessEvent {
  enum class Kind { kStarted, kExited };
  Kind kind = Kind::kStarted;
  std::string name;
  pid_t pid = 0;
  int incarnation = 0;  // 1 for the first start
  ExitStatus exit;      // kExited only
  RestartDecision decision = RestartDecision::kFinished;  // kExited only
};

struct ProcessReport {
  std::string name;
  ProcessState state = ProcessState::kRunning;
  int starts = 0;
  int restarts = 0;
  int port = 0;  // 0 if it has no port file or never wrote it
  ExitStatus last_exit;
  std::string failure;  // why it failed for good, if it did
  // Peak resident set size over all incarnations, KiB (VmHWM while alive,
  // getrusage of the reaped child after).
  int64_t peak_rss_kb = 0;
  std::string stdout_log, stderr_log;
};

}  // namespace cluster
}  // namespace tailor

#endif  // TAILOR_TOOLS_CLUSTER_PROCESS_SPEC_H_
