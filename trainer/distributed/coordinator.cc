// Coordinator: construction, membership and the RPC handlers. The driver
// (Run and the steps) is in coordinator_driver.cc.
#include "trainer/distributed/coordinator.h"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"

namespace tailor::distributed {
namespace {

using tailor::v1::WorkerCommand;

}  // namespace

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Create(
    const CoordinatorOptions& options, std::unique_ptr<PsClient> ps) {
  if (ps == nullptr || options.ps_addresses.empty()) {
    return absl::InvalidArgumentError(
        "coordinator: no parameter-server addresses (--ps_addresses)");
  }
  if (options.state_dir.empty() || options.state_dir[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "coordinator: --state_dir must be an absolute directory, got '",
        options.state_dir, "'"));
  }
  TAILOR_ASSIGN_OR_RETURN(
      DistributedJob job,
      ValidateDistributedJob(options.spec, options.num_workers));
  FileSystem* fs = options.fs != nullptr ? options.fs : PosixFileSystem();
  const absl::Time t0 = absl::Now();
  TAILOR_ASSIGN_OR_RETURN(JobLayout layout,
                          ComputeJobLayout(fs, job, options.eval_max_users));
  const double read_seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  std::unique_ptr<Coordinator> coordinator(new Coordinator(
      options, std::move(ps), std::move(job), std::move(layout)));
  coordinator->log_->Info(
      "read the dataset",
      {{"dataset", coordinator->job_.spec.dataset_dir()},
       {"users", coordinator->layout_.user_keys.size()},
       {"items", coordinator->layout_.item_keys.size()},
       {"training_entries", coordinator->layout_.train_entries},
       {"held_out_users_evaluated", coordinator->layout_.eval.users.size()},
       {"seconds", read_seconds}});
  return coordinator;
}

Coordinator::Coordinator(const CoordinatorOptions& options,
                         std::unique_ptr<PsClient> ps, DistributedJob job,
                         JobLayout layout)
    : options_(options),
      own_log_(options.log != nullptr
                   ? nullptr
                   : std::make_unique<logging::Logger>(logging::LoggerOptions{
                         "tailor_coordinator", logging::LogFormat::kText})),
      log_(options.log != nullptr ? options.log : own_log_.get()),
      fs_(options.fs != nullptr ? options.fs : PosixFileSystem()),
      ps_(std::move(ps)),
      job_(std::move(job)),
      layout_(std::move(layout)),
      job_id_(job_.spec.name().empty() ? "tailor-" + job_.spec.algorithm()
                                       : job_.spec.name()),
      spec_text_([this] {
        std::string text;
        google::protobuf::TextFormat::PrintToString(job_.spec, &text);
        return text;
      }()) {
  // Ids differ between incarnations of the coordinator, so a worker of an
  // earlier one is never mistaken for a current one.
  const uint64_t now_ns = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  absl::MutexLock lock(&mu_);
  next_worker_id_ = (now_ns & 0x00ffffffffff0000ULL) | 1;
  generation_ = now_ns;
  last_live_worker_ = absl::Now();
}

Coordinator::~Coordinator() = default;

void Coordinator::Cancel(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (cancel_reason_.empty()) cancel_reason_ = reason;
  cv_.SignalAll();
}

bool Coordinator::cancelled() {
  absl::MutexLock lock(&mu_);
  return !cancel_reason_.empty();
}

absl::StatusOr<Coordinator::WorkerEntry*> Coordinator::FindWorker(
    uint64_t worker_id) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "worker ", worker_id, " is not registered (register again)"));
  }
  if (it->second.lost) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the lease of worker ", worker_id, " expired (register again)"));
  }
  it->second.last_seen = absl::Now();
  last_live_worker_ = absl::Now();
  return &it->second;
}

int Coordinator::LiveWorkers() {
  int n = 0;
  for (const auto& [id, w] : workers_) n += w.lost ? 0 : 1;
  return n;
}

void Coordinator::ReleaseTaskOf(WorkerEntry& w) {
  if (w.task_id == 0) return;
  for (TaskEntry& t : tasks_) {
    if (t.task.task_id() == w.task_id &&
        t.state == TaskEntry::State::kRunning) {
      t.state = TaskEntry::State::kPending;
      t.worker_id = 0;
      t.pending_since = absl::InfinitePast();  // anyone may take it now
    }
  }
  w.task_id = 0;
  cv_.SignalAll();
}

void Coordinator::ExpireLeases() {
  const absl::Time now = absl::Now();
  for (auto& [id, w] : workers_) {
    if (!w.lost && now - w.last_seen > absl::Milliseconds(options_.lease_ms)) {
      log_->Warning(
          "worker lost its lease (no heartbeat); its task is reassigned",
          {{"worker_id", id},
           {"slot", w.slot},
           {"lease_ms", options_.lease_ms}});
      w.lost = true;
      w.withdrawn = false;
      if (options_.events != nullptr) {
        options_.events->OnWorkerLost("lease_expired");
        if (w.task_id != 0) options_.events->OnTaskReassigned("worker_lost");
      }
      ReleaseTaskOf(w);
    }
  }
  if (LiveWorkers() > 0) last_live_worker_ = now;
}

void Coordinator::ExpireTaskDeadlines() {
  if (options_.task_deadline_ms <= 0) return;
  const absl::Time now = absl::Now();
  for (TaskEntry& t : tasks_) {
    if (t.state != TaskEntry::State::kRunning ||
        now - t.assigned_at <= absl::Milliseconds(options_.task_deadline_ms)) {
      continue;
    }
    auto it = workers_.find(t.worker_id);
    log_->Warning(
        "task passed its deadline; it is withdrawn and offered to others",
        {{"task_id", t.task.task_id()},
         {"deadline_ms", options_.task_deadline_ms},
         {"worker_id", t.worker_id}});
    if (it != workers_.end()) {
      // Told ABORT_TASK at its next heartbeat; a later report is refused
      // (FAILED_PRECONDITION: reassigned).
      it->second.abort = true;
      it->second.task_id = 0;
    }
    // A failed attempt: the driver re-offers it, or fails the job after
    // max_task_attempts.
    if (options_.events != nullptr) {
      options_.events->OnTaskReassigned("deadline");
    }
    t.state = TaskEntry::State::kFailed;
    t.worker_id = 0;
    t.last_error = absl::StrCat("passed its deadline of ",
                                options_.task_deadline_ms, " ms");
    ++t.failures;
    failure_pending_ = true;
    cv_.SignalAll();
  }
}

void Coordinator::WithdrawAllTasks() {
  for (auto& [id, w] : workers_) {
    if (w.task_id != 0) {
      w.abort = true;
      w.withdrawn = true;
      w.task_id = 0;
    }
  }
  tasks_.clear();
  ++generation_;
  cv_.SignalAll();
}

void Coordinator::AwaitWithdrawn() {
  const absl::Time deadline =
      absl::Now() + absl::Milliseconds(options_.lease_ms);
  while (absl::Now() < deadline && cancel_reason_.empty()) {
    bool pending = false;
    for (const auto& [id, w] : workers_) pending = pending || w.withdrawn;
    if (!pending) return;
    cv_.WaitWithTimeout(&mu_, absl::Milliseconds(50));
    ExpireLeases();
  }
}

bool Coordinator::HasPendingFor(const WorkerEntry& w) {
  const absl::Time now = absl::Now();
  const absl::Duration wait = absl::Milliseconds(
      std::max<int64_t>(500, 2 * options_.heartbeat_interval_ms));
  for (const TaskEntry& t : tasks_) {
    if (t.state != TaskEntry::State::kPending) continue;
    if (t.preferred_slot == w.slot || now - t.pending_since > wait) return true;
  }
  return false;
}

absl::Status Coordinator::Register(const tailor::v1::RegisterRequest& request,
                                   tailor::v1::RegisterResponse* response) {
  absl::MutexLock lock(&mu_);
  ExpireLeases();
  const int W = options_.num_workers;
  std::vector<WorkerEntry*> holder(W, nullptr);
  for (auto& [id, w] : workers_) {
    if (!w.lost) holder[w.slot] = &w;
  }
  int slot = -1;
  const int want = request.requested_worker_index();
  if (want >= 0 && want < W) {
    slot = want;
    if (holder[slot] != nullptr) {
      // A process asking for an occupied slot replaces its holder (the
      // supervisor restarted it): the old one is lost, its task reassigned.
      holder[slot]->lost = true;
      holder[slot]->withdrawn = false;
      if (options_.events != nullptr) {
        options_.events->OnWorkerLost("replaced");
        if (holder[slot]->task_id != 0) {
          options_.events->OnTaskReassigned("worker_lost");
        }
      }
      ReleaseTaskOf(*holder[slot]);
    }
  } else if (want >= W) {
    return absl::InvalidArgumentError(absl::StrCat(
        "requested_worker_index ", want, " but the job has ", W, " slots"));
  } else {
    for (int s = 0; s < W && slot < 0; ++s) {
      if (holder[s] == nullptr) slot = s;
    }
  }
  if (slot < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("all ", W, " worker slots are taken by live workers"));
  }
  const uint64_t id = next_worker_id_++;
  WorkerEntry& w = workers_[id];
  w.slot = static_cast<uint32_t>(slot);
  w.last_seen = absl::Now();
  w.address = request.address();
  w.capabilities = request.capabilities();
  last_live_worker_ = w.last_seen;
  response->set_worker_id(id);
  response->set_worker_index(w.slot);
  response->set_num_workers(W);
  response->set_lease_ms(static_cast<uint32_t>(options_.lease_ms));
  response->set_heartbeat_interval_ms(
      static_cast<uint32_t>(options_.heartbeat_interval_ms));
  response->set_job_id(job_id_);
  *response->mutable_job() = job_.spec;
  for (const std::string& a : options_.ps_addresses) {
    response->add_parameter_servers(a);
  }
  log_->Info("worker registered",
             {{"worker_id", id},
              {"slot", slot},
              {"hostname", request.capabilities().hostname()},
              {"pid", request.capabilities().pid()}});
  cv_.SignalAll();
  return absl::OkStatus();
}

absl::Status Coordinator::Heartbeat(const tailor::v1::HeartbeatRequest& request,
                                    tailor::v1::HeartbeatResponse* response) {
  absl::MutexLock lock(&mu_);
  auto it = workers_.find(request.worker_id());
  if (it != workers_.end() && it->second.lost) {
    response->set_command(tailor::v1::WORKER_COMMAND_REGISTER);
    return absl::OkStatus();
  }
  TAILOR_ASSIGN_OR_RETURN(WorkerEntry * w, FindWorker(request.worker_id()));
  w->progress = request.progress();
  response->set_lease_remaining_ms(static_cast<uint32_t>(options_.lease_ms));
  WorkerCommand command = tailor::v1::WORKER_COMMAND_CONTINUE;
  if (w->abort) {
    command = tailor::v1::WORKER_COMMAND_ABORT_TASK;
    w->abort = false;
  } else if (finished_) {
    command = tailor::v1::WORKER_COMMAND_STOP;
    w->told_stop = true;
    cv_.SignalAll();
  } else if (w->task_id == 0 && HasPendingFor(*w)) {
    command = tailor::v1::WORKER_COMMAND_NEW_TASK;
  }
  response->set_command(command);
  return absl::OkStatus();
}

absl::Status Coordinator::GetTask(const tailor::v1::GetTaskRequest& request,
                                  tailor::v1::GetTaskResponse* response) {
  absl::MutexLock lock(&mu_);
  TAILOR_ASSIGN_OR_RETURN(WorkerEntry * w, FindWorker(request.worker_id()));
  if (w->withdrawn) {
    w->withdrawn = false;
    cv_.SignalAll();
  }
  if (finished_) {
    w->told_stop = true;
    cv_.SignalAll();
    response->set_stop(true);
    return absl::OkStatus();
  }
  if (w->task_id != 0) {  // idempotent: the task it holds
    for (const TaskEntry& t : tasks_) {
      if (t.task.task_id() == w->task_id) {
        *response->mutable_task() = t.task;
        return absl::OkStatus();
      }
    }
    w->task_id = 0;
  }
  // Its own slot's task first; another slot's once it waited a while (its
  // worker is slow or gone).
  const absl::Time now = absl::Now();
  const absl::Duration wait = absl::Milliseconds(
      std::max<int64_t>(500, 2 * options_.heartbeat_interval_ms));
  TaskEntry* pick = nullptr;
  for (TaskEntry& t : tasks_) {
    if (t.state != TaskEntry::State::kPending) continue;
    if (t.preferred_slot == w->slot) {
      pick = &t;
      break;
    }
    if (pick == nullptr && now - t.pending_since > wait) pick = &t;
  }
  if (pick == nullptr) {
    response->set_retry_after_ms(20);
    return absl::OkStatus();
  }
  pick->state = TaskEntry::State::kRunning;
  pick->worker_id = request.worker_id();
  pick->assigned_at = now;
  pick->task.set_deadline_ms(
      static_cast<uint32_t>(std::max<int64_t>(0, options_.task_deadline_ms)));
  w->abort = false;  // asking for a task: any earlier one is over
  w->task_id = pick->task.task_id();
  *response->mutable_task() = pick->task;
  return absl::OkStatus();
}

absl::Status Coordinator::ReportProgress(
    const tailor::v1::ReportProgressRequest& request,
    tailor::v1::ReportProgressResponse* response) {
  absl::MutexLock lock(&mu_);
  TAILOR_ASSIGN_OR_RETURN(WorkerEntry * w, FindWorker(request.worker_id()));
  if (w->withdrawn && request.state() != tailor::v1::TASK_STATE_RUNNING) {
    w->withdrawn = false;  // its withdrawn task is over
    cv_.SignalAll();
  }
  TaskEntry* task = nullptr;
  for (TaskEntry& t : tasks_) {
    if (t.task.task_id() == request.task_id()) task = &t;
  }
  if (task == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "task ", request.task_id(),
        " is not part of the current step (withdrawn or from an earlier "
        "step)"));
  }
  if (task->state == TaskEntry::State::kDone &&
      request.state() == tailor::v1::TASK_STATE_DONE) {
    response->set_accepted(false);  // a repeated report
    return absl::OkStatus();
  }
  if (task->state != TaskEntry::State::kRunning ||
      task->worker_id != request.worker_id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("task ", request.task_id(),
                     " was reassigned away from worker ", request.worker_id()));
  }
  response->set_accepted(true);
  response->set_command(tailor::v1::WORKER_COMMAND_CONTINUE);
  switch (request.state()) {
    case tailor::v1::TASK_STATE_DONE: {
      TaskOutcome& o = task->outcome;
      o.data_loss_sum = request.loss().data_loss_sum();
      o.regularization_sum = request.loss().regularization_sum();
      o.count = static_cast<int64_t>(request.loss().count());
      o.rows_solved = static_cast<int64_t>(request.rows_solved());
      o.rows_pulled = static_cast<int64_t>(request.rows_pulled());
      o.rows_pushed = static_cast<int64_t>(request.rows_pushed());
      o.min_rows = static_cast<int64_t>(request.min_rows());
      o.bytes_pulled = static_cast<int64_t>(request.bytes_pulled());
      o.bytes_pushed = static_cast<int64_t>(request.bytes_pushed());
      task->state = TaskEntry::State::kDone;
      task->worker_id = 0;
      w->task_id = 0;
      ++w->tasks_done;
      cv_.SignalAll();
      break;
    }
    case tailor::v1::TASK_STATE_FAILED:
      task->state = TaskEntry::State::kFailed;
      task->worker_id = 0;
      task->last_error = request.error();
      ++task->failures;
      w->task_id = 0;
      failure_pending_ = true;
      log_->Warning("task failed", {{"task_id", request.task_id()},
                                    {"worker_id", request.worker_id()},
                                    {"error", request.error()}});
      cv_.SignalAll();
      break;
    case tailor::v1::TASK_STATE_RUNNING:
      w->progress.set_task_id(request.task_id());
      w->progress.set_rows_done(request.rows_solved());
      break;
    default:
      return absl::InvalidArgumentError(
          "ReportProgress: state must be RUNNING, DONE or FAILED");
  }
  return absl::OkStatus();
}

absl::Status Coordinator::GetJobStatus(
    const tailor::v1::GetJobStatusRequest& request,
    tailor::v1::GetJobStatusResponse* response) {
  absl::MutexLock lock(&mu_);
  response->set_job_id(job_id_);
  response->set_state(state_);
  response->set_iteration(iteration_);
  response->set_iterations(job_.spec.iterations());
  if (request.full_history()) {
    for (const auto& h : history_) *response->add_history() = h;
  } else if (!history_.empty()) {
    *response->add_history() = history_.back();
  }
  const absl::Time now = absl::Now();
  for (const auto& [id, w] : workers_) {
    tailor::v1::WorkerStatus* s = response->add_workers();
    s->set_worker_id(id);
    s->set_worker_index(w.slot);
    s->set_address(w.address);
    s->set_state(w.lost           ? tailor::v1::WORKER_STATE_LOST
                 : w.told_stop    ? tailor::v1::WORKER_STATE_STOPPED
                 : w.task_id != 0 ? tailor::v1::WORKER_STATE_BUSY
                                  : tailor::v1::WORKER_STATE_IDLE);
    s->set_since_heartbeat_ms(
        static_cast<uint64_t>(absl::ToInt64Milliseconds(now - w.last_seen)));
    *s->mutable_progress() = w.progress;
    s->set_tasks_done(w.tasks_done);
    *s->mutable_capabilities() = w.capabilities;
  }
  for (size_t i = 0; i < options_.ps_addresses.size(); ++i) {
    tailor::v1::ShardStatus* s = response->add_shards();
    s->set_shard_index(i);
    s->set_address(options_.ps_addresses[i]);
    if (i < shard_health_.size()) {
      s->set_healthy(shard_health_[i].healthy);
      s->set_rows(shard_health_[i].rows);
    }
  }
  response->set_last_checkpoint_iteration(last_checkpoint_);
  response->set_export_path(export_path_);
  response->set_error(error_);
  *response->mutable_job() = job_.spec;
  return absl::OkStatus();
}

}  // namespace tailor::distributed
