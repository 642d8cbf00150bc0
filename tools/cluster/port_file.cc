#include "tools/cluster/port_file.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace tailor {
namespace cluster {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Closes a descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<int> ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": no port file yet"));
  std::stringstream text;
  text << in.rdbuf();
  int port = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.str()), &port) ||
      port < 1 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": port file holds '", text.str(), "', not a port in 1..65535"));
  }
  return port;
}

absl::StatusOr<int> WaitForPortFile(const std::string& path, int cancel_fd,
                                    absl::Time deadline) {
  const int inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd < 0) {
    return absl::InternalError(
        absl::StrCat("inotify_init1: ", strerror(errno)));
  }
  FdCloser closer(inotify_fd);
  const std::string dir = DirectoryOf(path);
  // The watch exists before the first read, so a rename that lands between
  // the read and poll() still wakes poll().
  if (inotify_add_watch(inotify_fd, dir.c_str(),
                        IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) < 0) {
    return absl::NotFoundError(absl::StrCat(
        "cannot watch directory ", dir, " of port file: ", strerror(errno)));
  }
  while (true) {
    absl::StatusOr<int> port = ReadPortFile(path);
    if (port.ok() || !absl::IsNotFound(port.status())) return port;
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no port in ", path, " before the deadline"));
    }
    pollfd fds[2] = {{inotify_fd, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
    const int timeout_ms = static_cast<int>(
        std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1 << 30));
    const int ready = poll(fds, cancel_fd >= 0 ? 2 : 1, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll: ", strerror(errno)));
    }
    if (cancel_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      // One last look: the process may have written the file and exited.
      port = ReadPortFile(path);
      if (port.ok()) return port;
      return absl::CancelledError(
          absl::StrCat("stopped waiting for port file ", path));
    }
    if ((fds[0].revents & POLLIN) != 0) {
      char buffer[4096];
      while (read(inotify_fd, buffer, sizeof(buffer)) > 0) {
      }
    }
  }
}

}  // namespace cluster
}  // namespace tailor
