#ifndef TAILOR_TESTS_NETFAULT_CHILD_PROCESS_H_
#define TAILOR_TESTS_NETFAULT_CHILD_PROCESS_H_

// A server or client binary started by a network-fault test: its own
// process group, standard output and error appended to files, killed (the
// whole group) when the object is destroyed. Waiting never sleeps: the port
// file is watched with inotify and the exit with a pidfd. Not thread-safe.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tailor {
namespace netfault {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // argv[0] is the binary (relative to the runfiles root in a test).
  absl::Status Start(const std::vector<std::string>& argv,
                     const std::string& stdout_path,
                     const std::string& stderr_path);
  // Waits until `port_file` (written by rename) holds a port. INTERNAL
  // when the process exits first, DEADLINE_EXCEEDED at the deadline.
  absl::StatusOr<int> WaitForPort(const std::string& port_file,
                                  absl::Duration timeout);
  // Waits for the exit: the exit code, or -signal (also on later calls).
  // DEADLINE_EXCEEDED after `timeout` (the process is left running).
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // Signals the process group and reaps the process.
  void Kill(int signal);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
  int pidfd_ = -1;
  bool exited_ = false;
  int exit_code_ = 0;
};

// The whole content of a file ("" if it cannot be read).
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace netfault
}  // namespace tailor

#endif  // TAILOR_TESTS_NETFAULT_CHILD_PROCESS_H_
