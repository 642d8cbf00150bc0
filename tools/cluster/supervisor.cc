#include "tools/cluster/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tools/cluster/port_file.h"
#include "tools/cluster/spawn.h"

namespace tailor {
namespace cluster {

// One supervised process. The fields after `thread` are guarded by
// Supervisor::mu_ (the annotation cannot name the outer class's member).
struct Supervisor::Slot {
  ProcessSpec spec;
  std::string stdout_log, stderr_log;
  int exit_fd = -1;  // eventfd, readable after the current incarnation ended
  absl::Notification first_spawn;
  absl::Status first_spawn_status;  // written before first_spawn.Notify()
  std::thread thread;

  pid_t pid = 0;
  int starts = 0;
  int restarts = 0;
  int port = 0;
  ProcessState state = ProcessState::kRunning;
  ExitStatus last_exit;
  std::string failure;
  int64_t peak_rss_kb = 0;
  bool no_restart = false;
  bool final_exit = false;  // MarkFinal()
  bool thread_done = false;

  ~Slot() {
    if (exit_fd >= 0) close(exit_fd);
  }
};

const char* ProcessStateName(ProcessState state) {
  switch (state) {
    case ProcessState::kRunning:
      return "running";
    case ProcessState::kFinished:
      return "finished";
    case ProcessState::kFailed:
      return "failed";
    case ProcessState::kStopped:
      return "stopped";
  }
  return "unknown";
}

namespace {

bool WriteAll(int fd, absl::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int OpenLog(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

// Reads `fd` to end of file, appending each line to `log_fd` and passing it
// to `on_line`. Closes `fd`.
void RelayLines(int fd, int log_fd,
                const std::function<void(const std::string&)>& on_line) {
  std::string pending;
  char buffer[65536];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    WriteAll(log_fd, absl::string_view(buffer, static_cast<size_t>(n)));
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0, newline;
    while ((newline = pending.find('\n', start)) != std::string::npos) {
      on_line(pending.substr(start, newline - start));
      start = newline + 1;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) on_line(pending);
  close(fd);
}

// `args` with the value of --port replaced by `port`.
std::vector<std::string> PinPort(std::vector<std::string> args, int port) {
  for (std::string& a : args) {
    if (absl::StartsWith(a, "--port=")) a = absl::StrCat("--port=", port);
  }
  return args;
}

}  // namespace

Supervisor::Supervisor(SupervisorOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<Supervisor>> Supervisor::Create(
    SupervisorOptions options) {
  if (options.log_dir.empty()) {
    return absl::InvalidArgumentError("supervisor: log_dir is required");
  }
  if (mkdir(options.log_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("supervisor: cannot create log_dir ", options.log_dir,
                     ": ", strerror(errno)));
  }
  if (options.restart.max_restarts < 0) {
    return absl::InvalidArgumentError("supervisor: max_restarts must be >= 0");
  }
  return std::unique_ptr<Supervisor>(new Supervisor(std::move(options)));
}

Supervisor::~Supervisor() { Stop(); }

absl::Status Supervisor::Start(ProcessSpec spec) {
  if (spec.name.empty() || spec.name.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("process name '", spec.name, "' must be non-empty, no /"));
  }
  Slot* slot;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("supervisor is stopping");
    if (by_name_.count(spec.name) > 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("process '", spec.name, "' already started"));
    }
    auto owned = std::make_unique<Slot>();
    slot = owned.get();
    slot->stdout_log =
        absl::StrCat(options_.log_dir, "/", spec.name, ".stdout.log");
    slot->stderr_log =
        absl::StrCat(options_.log_dir, "/", spec.name, ".stderr.log");
    slot->exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (slot->exit_fd < 0) {
      return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
    }
    slot->spec = std::move(spec);
    by_name_[slot->spec.name] = slot;
    slots_.push_back(std::move(owned));
    slot->thread = std::thread([this, slot] { RunSlot(slot); });
  }
  slot->first_spawn.WaitForNotification();
  return slot->first_spawn_status;
}

void Supervisor::RunSlot(Slot* slot) {
  const ProcessSpec& spec = slot->spec;
  std::vector<std::string> args = spec.args;
  int restarts = 0;
  bool first = true;
  while (true) {
    if (!spec.port_file.empty()) std::remove(spec.port_file.c_str());
    const int out_log = OpenLog(slot->stdout_log);
    const int err_log = OpenLog(slot->stderr_log);
    int pipe_fds[2] = {-1, -1};
    if (spec.on_stdout_line && pipe2(pipe_fds, O_CLOEXEC) != 0) {
      pipe_fds[0] = pipe_fds[1] = -1;
    }
    absl::StatusOr<pid_t> pid;
    int incarnation = 0;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || slot->no_restart) {
        pid = absl::CancelledError("supervisor is stopping");
      } else {
        if (err_log >= 0) {
          WriteAll(err_log,
                   absl::StrCat("[supervisor] start ", slot->starts + 1, " of ",
                                spec.name, ": ", spec.binary, " ",
                                absl::StrJoin(args, " "), "\n"));
        }
        uint64_t drained;
        while (read(slot->exit_fd, &drained, sizeof(drained)) > 0) {
        }
        SpawnOptions spawn;
        spawn.binary = spec.binary;
        spawn.args = args;
        spawn.stdout_fd = pipe_fds[1] >= 0 ? pipe_fds[1] : out_log;
        spawn.stderr_fd = err_log;
        pid = SpawnProcess(spawn);
        if (pid.ok()) {
          slot->pid = *pid;
          incarnation = ++slot->starts;
        } else {
          slot->state = ProcessState::kFailed;
          slot->failure = std::string(pid.status().message());
        }
      }
    }
    if (pipe_fds[1] >= 0) close(pipe_fds[1]);
    std::thread reader;
    if (pid.ok() && pipe_fds[0] >= 0) {
      reader = std::thread(RelayLines, pipe_fds[0], out_log,
                           std::cref(spec.on_stdout_line));
    } else if (pipe_fds[0] >= 0) {
      close(pipe_fds[0]);
    }
    if (first) {
      slot->first_spawn_status = pid.status();
      slot->first_spawn.Notify();
      first = false;
    }
    if (!pid.ok()) {
      if (out_log >= 0) close(out_log);
      if (err_log >= 0) close(err_log);
      break;
    }
    if (options_.on_event) {
      ProcessEvent event;
      event.kind = ProcessEvent::Kind::kStarted;
      event.name = spec.name;
      event.pid = *pid;
      event.incarnation = incarnation;
      options_.on_event(event);
    }

    WaitForExitNoReap(*pid);
    {
      absl::MutexLock lock(&mu_);
      slot->pid = 0;  // no signal may reach the pid once it is reaped
    }
    int64_t max_rss_kb = 0;
    const ExitStatus exit = ReapProcess(*pid, &max_rss_kb);
    if (reader.joinable()) reader.join();
    if (out_log >= 0) close(out_log);
    if (err_log >= 0) {
      WriteAll(err_log, absl::StrCat("[supervisor] ", spec.name,
                                     " ended: ", DescribeExit(exit), "\n"));
      close(err_log);
    }
    int port = 0;
    if (!spec.port_file.empty()) {
      absl::StatusOr<int> read = ReadPortFile(spec.port_file);
      if (read.ok()) port = *read;
    }
    const uint64_t one = 1;
    WriteAll(slot->exit_fd,
             absl::string_view(reinterpret_cast<const char*>(&one), 8));
    RestartDecision decision;
    {
      absl::MutexLock lock(&mu_);
      if (port > 0 && slot->port == 0) slot->port = port;
      slot->last_exit = exit;
      slot->peak_rss_kb = std::max(slot->peak_rss_kb, max_rss_kb);
      decision = DecideRestart(exit, restarts, stopping_ || slot->no_restart,
                               options_.restart);
      const bool final_exit = slot->final_exit;
      slot->final_exit = false;
      if (final_exit && decision == RestartDecision::kRestart) {
        decision = RestartDecision::kPermanentFailure;
      }
      switch (decision) {
        case RestartDecision::kRestart:
          slot->restarts = restarts + 1;
          break;
        case RestartDecision::kFinished:
          slot->state = ProcessState::kFinished;
          break;
        case RestartDecision::kStopped:
          slot->state = ProcessState::kStopped;
          break;
        case RestartDecision::kPermanentFailure:
        case RestartDecision::kTooManyRestarts:
          slot->state = ProcessState::kFailed;
          slot->failure = absl::StrCat(
              spec.name, " ", DescribeExit(exit),
              decision == RestartDecision::kTooManyRestarts
                  ? absl::StrCat(" after ", restarts, " restarts (the limit)")
                  : std::string(" (not restarted: it reported a failure, or "
                                "a usage or input error)"),
              "; see ", slot->stderr_log);
          break;
      }
    }
    if (options_.on_event) {
      ProcessEvent event;
      event.kind = ProcessEvent::Kind::kExited;
      event.name = spec.name;
      event.pid = *pid;
      event.incarnation = incarnation;
      event.exit = exit;
      event.decision = decision;
      options_.on_event(event);
    }
    if (decision != RestartDecision::kRestart) break;
    ++restarts;
    int pinned;
    {
      absl::MutexLock lock(&mu_);
      pinned = slot->port;
    }
    args = pinned > 0 ? PinPort(spec.args, pinned) : spec.args;
    args.insert(args.end(), spec.restart_args.begin(), spec.restart_args.end());
  }
  absl::MutexLock lock(&mu_);
  if (slot->state == ProcessState::kRunning) {
    slot->state = stopping_ || slot->no_restart ? ProcessState::kStopped
                                                : ProcessState::kFailed;
  }
  slot->thread_done = true;
}

absl::StatusOr<int> Supervisor::WaitForPort(const std::string& name,
                                            absl::Time deadline) {
  while (true) {
    int exit_fd, starts;
    std::string port_file;
    {
      absl::MutexLock lock(&mu_);
      auto it = by_name_.find(name);
      if (it == by_name_.end()) {
        return absl::NotFoundError(absl::StrCat("no process '", name, "'"));
      }
      Slot* slot = it->second;
      if (slot->spec.port_file.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(name, " has no port file"));
      }
      if (slot->state != ProcessState::kRunning) return SlotFailure(*slot);
      exit_fd = slot->exit_fd;
      starts = slot->starts;
      port_file = slot->spec.port_file;
    }
    absl::StatusOr<int> port = WaitForPortFile(port_file, exit_fd, deadline);
    if (port.ok()) {
      absl::MutexLock lock(&mu_);
      by_name_[name]->port = *port;
      return port;
    }
    if (!absl::IsCancelled(port.status())) {
      return absl::Status(port.status().code(),
                          absl::StrCat(name, ": ", port.status().message()));
    }
    // The incarnation ended: wait for a restart or for the final state.
    absl::MutexLock lock(&mu_);
    Slot* slot = by_name_[name];
    auto changed = [slot, starts]() {
      return slot->starts > starts || slot->state != ProcessState::kRunning;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&changed), deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat(name,
                       " ended and was not restarted before the "
                       "deadline"));
    }
  }
}

absl::Status Supervisor::WaitForStarts(const std::string& name, int starts,
                                       absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    return absl::NotFoundError(absl::StrCat("no process '", name, "'"));
  }
  Slot* slot = it->second;
  auto ready = [slot, starts]() {
    return slot->starts >= starts || slot->state != ProcessState::kRunning;
  };
  if (!mu_.AwaitWithDeadline(absl::Condition(&ready), deadline)) {
    return absl::DeadlineExceededError(absl::StrCat(
        name, " was not started ", starts, " times before the deadline"));
  }
  if (slot->starts >= starts) return absl::OkStatus();
  return SlotFailure(*slot);
}

absl::Status Supervisor::WaitForFinish(const std::string& name,
                                       absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    return absl::NotFoundError(absl::StrCat("no process '", name, "'"));
  }
  Slot* slot = it->second;
  auto ended = [this, slot]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return slot->state != ProcessState::kRunning || AnyFailedLocked();
  };
  if (!mu_.AwaitWithDeadline(absl::Condition(&ended), deadline)) {
    return absl::DeadlineExceededError(
        absl::StrCat(name, " did not finish before the deadline"));
  }
  if (slot->state == ProcessState::kFinished) return absl::OkStatus();
  if (slot->state != ProcessState::kRunning) return SlotFailure(*slot);
  for (const auto& other : slots_) {
    if (other->state == ProcessState::kFailed) return SlotFailure(*other);
  }
  return absl::InternalError("unreachable");
}

absl::Status Supervisor::SlotFailure(const Slot& slot) const {
  switch (slot.state) {
    case ProcessState::kFinished:
      return absl::FailedPreconditionError(
          absl::StrCat(slot.spec.name, " already finished (exit code 0)"));
    case ProcessState::kStopped:
      return absl::CancelledError(absl::StrCat(slot.spec.name, " was stopped"));
    case ProcessState::kFailed:
      return absl::AbortedError(slot.failure);
    case ProcessState::kRunning:
      break;
  }
  return absl::OkStatus();
}

bool Supervisor::AnyFailedLocked() const {
  for (const auto& slot : slots_) {
    if (slot->state == ProcessState::kFailed) return true;
  }
  return false;
}

absl::Status Supervisor::Signal(const std::string& name, int sig) {
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end() || it->second->pid <= 0) {
    return absl::NotFoundError(absl::StrCat(name, " is not running"));
  }
  if (kill(-it->second->pid, sig) != 0) {
    return absl::InternalError(
        absl::StrCat("kill ", name, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

pid_t Supervisor::Pid(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? 0 : it->second->pid;
}

void Supervisor::StopSlots(const std::vector<Slot*>& slots) {
  auto all_done = [&slots]() {
    for (const Slot* slot : slots) {
      if (!slot->thread_done) return false;
    }
    return true;
  };
  auto signal_all = [&](int sig) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const Slot* slot : slots) {
      if (slot->pid > 0) kill(-slot->pid, sig);
    }
  };
  absl::MutexLock lock(&mu_);
  signal_all(SIGTERM);
  if (!mu_.AwaitWithTimeout(absl::Condition(&all_done), options_.stop_grace)) {
    signal_all(SIGKILL);
    mu_.Await(absl::Condition(&all_done));
  }
}

absl::Status Supervisor::StopProcess(const std::string& name) {
  Slot* slot;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      return absl::NotFoundError(absl::StrCat("no process '", name, "'"));
    }
    slot = it->second;
    slot->no_restart = true;
  }
  StopSlots({slot});
  return absl::OkStatus();
}

void Supervisor::MarkFinal(const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  if (it != by_name_.end()) it->second->final_exit = true;
}

void Supervisor::Stop() {
  absl::MutexLock stop_lock(&stop_mu_);
  std::vector<Slot*> slots;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (const auto& slot : slots_) slots.push_back(slot.get());
  }
  StopSlots(slots);
  for (Slot* slot : slots) {
    if (slot->thread.joinable()) slot->thread.join();
  }
}

ProcessReport Supervisor::ReportOf(const Slot& slot) const {
  ProcessReport report;
  report.name = slot.spec.name;
  report.state = slot.state;
  report.starts = slot.starts;
  report.restarts = slot.restarts;
  report.port = slot.port;
  report.last_exit = slot.last_exit;
  report.failure = slot.failure;
  report.peak_rss_kb = slot.peak_rss_kb;
  if (slot.pid > 0) {
    report.peak_rss_kb = std::max(report.peak_rss_kb, PeakRssKb(slot.pid));
  }
  report.stdout_log = slot.stdout_log;
  report.stderr_log = slot.stderr_log;
  return report;
}

std::vector<ProcessReport> Supervisor::Reports() const {
  absl::MutexLock lock(&mu_);
  std::vector<ProcessReport> reports;
  for (const auto& slot : slots_) reports.push_back(ReportOf(*slot));
  return reports;
}

}  // namespace cluster
}  // namespace tailor
