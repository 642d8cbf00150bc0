#include "tools/cluster/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace tailor {
namespace cluster {
namespace {

// Runs in the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecChild(const char* binary, char* const* argv,
                            int stdout_fd, int stderr_fd, int error_fd,
                            pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent is already gone
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action;
  memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
  const int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) dup2(null_fd, 0);
  dup2(stdout_fd >= 0 ? stdout_fd : null_fd, 1);
  dup2(stderr_fd >= 0 ? stderr_fd : null_fd, 2);
  // Nothing else the supervisor holds open survives exec.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  execv(binary, argv);
  const int error = errno;
  ssize_t ignored = write(error_fd, &error, sizeof(error));
  (void)ignored;
  _exit(127);
}

}  // namespace

absl::StatusOr<pid_t> SpawnProcess(const SpawnOptions& options) {
  std::vector<std::string> strings;
  strings.reserve(options.args.size() + 1);
  strings.push_back(options.binary);
  strings.insert(strings.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(error_pipe[0]);
    close(error_pipe[1]);
    return absl::ResourceExhaustedError(
        absl::StrCat("fork for ", options.binary, ": ", strerror(error)));
  }
  if (pid == 0) {
    ExecChild(options.binary.c_str(), argv.data(), options.stdout_fd,
              options.stderr_fd, error_pipe[1], parent);
  }
  setpgid(pid, pid);  // also in the parent, so no signal can miss the group
  close(error_pipe[1]);
  int child_errno = 0;
  ssize_t got;
  do {
    got = read(error_pipe[0], &child_errno, sizeof(child_errno));
  } while (got < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (got == sizeof(child_errno)) {
    int status;
    waitpid(pid, &status, 0);
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run ", options.binary, ": ", strerror(child_errno)));
  }
  return pid;
}

ExitStatus ExitStatusFromWait(int wait_status) {
  ExitStatus exit;
  if (WIFSIGNALED(wait_status)) {
    exit.signaled = true;
    exit.signal = WTERMSIG(wait_status);
  } else if (WIFEXITED(wait_status)) {
    exit.code = WEXITSTATUS(wait_status);
  }
  return exit;
}

bool WaitForExitNoReap(pid_t pid) {
  siginfo_t info;
  while (true) {
    memset(&info, 0, sizeof(info));
    if (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) == 0) return true;
    if (errno != EINTR) return false;
  }
}

ExitStatus ReapProcess(pid_t pid, int64_t* max_rss_kb) {
  int status = 0;
  struct rusage usage;
  memset(&usage, 0, sizeof(usage));
  pid_t got;
  do {
    got = wait4(pid, &status, 0, &usage);
  } while (got < 0 && errno == EINTR);
  *max_rss_kb = got == pid ? usage.ru_maxrss : 0;
  return ExitStatusFromWait(status);
}

int64_t PeakRssKb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmHWM:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumeSuffix(&rest, "kB");
      int64_t kb = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kb)) return kb;
    }
  }
  return 0;
}

}  // namespace cluster
}  // namespace tailor
