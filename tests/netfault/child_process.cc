#include "tests/netfault/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

extern char** environ;

namespace tailor {
namespace netfault {
namespace {

int ReadPort(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  int port = 0;
  if (in && std::getline(in, text) &&
      absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0 &&
      port < 65536) {
    return port;
  }
  return 0;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

int PollMs(absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(ms, 1000)));
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Kill(SIGKILL);
}

absl::Status ChildProcess::Start(const std::vector<std::string>& args,
                                 const std::string& stdout_path,
                                 const std::string& stderr_path) {
  std::vector<char*> argv;
  for (const std::string& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const int rc = posix_spawn(&pid_, args[0].c_str(), &actions, &attr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = 0;
    return absl::InternalError(absl::StrCat("could not spawn ", args[0]));
  }
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd_ < 0) {
    Kill(SIGKILL);
    return absl::InternalError("pidfd_open failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ChildProcess::WaitForPort(const std::string& port_file,
                                              absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) return absl::InternalError("inotify_init1 failed");
  inotify_add_watch(in, DirName(port_file).c_str(),
                    IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE);
  absl::StatusOr<int> result =
      absl::DeadlineExceededError(absl::StrCat("no port in ", port_file));
  while (true) {
    if (const int port = ReadPort(port_file); port > 0) {
      result = port;
      break;
    }
    if (absl::Now() >= deadline) break;
    pollfd fds[2] = {{in, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    poll(fds, 2, PollMs(deadline));
    if (fds[1].revents != 0 && ReadPort(port_file) == 0) {
      result = absl::InternalError(
          absl::StrCat("process exited before writing ", port_file));
      break;
    }
    char buffer[4096];
    while (read(in, buffer, sizeof(buffer)) > 0) {
    }
  }
  close(in);
  return result;
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  if (exited_) return exit_code_;
  if (pid_ <= 0) return absl::FailedPreconditionError("no process");
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      close(pidfd_);
      pidfd_ = -1;
      exited_ = true;
      exit_code_ = WIFEXITED(status)     ? WEXITSTATUS(status)
                   : WIFSIGNALED(status) ? -WTERMSIG(status)
                                         : -1000;
      return exit_code_;
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("process did not exit in time");
    }
    pollfd p = {pidfd_, POLLIN, 0};
    poll(&p, 1, PollMs(deadline));
  }
}

void ChildProcess::Kill(int signal) {
  if (pid_ <= 0) return;
  kill(-pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
  if (pidfd_ >= 0) close(pidfd_);
  pidfd_ = -1;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace netfault
}  // namespace tailor
