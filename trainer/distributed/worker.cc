#include "trainer/distributed/worker.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "trainer/distributed/als_task.h"
#include "trainer/distributed/sgd_task.h"

namespace tailor::distributed {
namespace {

namespace v1 = ::tailor::v1;

bool NeedsRegister(const absl::Status& s) {
  return absl::IsNotFound(s) || absl::IsFailedPrecondition(s);
}

}  // namespace

Worker::Worker(const WorkerOptions& options, CoordinatorClient* coordinator)
    : options_(options),
      own_log_(options.log != nullptr
                   ? nullptr
                   : std::make_unique<logging::Logger>(logging::LoggerOptions{
                         "tailor_worker", logging::LogFormat::kText})),
      log_(options.log != nullptr ? options.log : own_log_.get()),
      coordinator_(coordinator) {}

Worker::~Worker() { StopHeartbeats(); }

void Worker::StopHeartbeats() {
  {
    absl::MutexLock lock(&mu_);
    heartbeat_stop_ = true;
  }
  if (heartbeat_ != nullptr) {
    heartbeat_->join();
    heartbeat_.reset();
  }
}

void Worker::HeartbeatLoop(uint64_t worker_id, int64_t interval_ms) {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&heartbeat_stop_),
                               absl::Milliseconds(interval_ms))) {
        return;
      }
    }
    v1::HeartbeatRequest request;
    request.set_worker_id(worker_id);
    request.mutable_progress()->set_task_id(current_task_.load());
    v1::HeartbeatResponse response;
    absl::Status s = coordinator_->Heartbeat(request, &response);
    if (NeedsRegister(s)) {
      reregister_ = true;
      abort_task_ = true;
      return;
    }
    if (!s.ok()) continue;  // the task loop decides when to give up
    switch (response.command()) {
      case v1::WORKER_COMMAND_ABORT_TASK:
        abort_task_ = true;
        break;
      case v1::WORKER_COMMAND_STOP:
        stop_ = true;
        break;
      case v1::WORKER_COMMAND_REGISTER:
        reregister_ = true;
        abort_task_ = true;
        return;
      default:
        break;
    }
  }
}

absl::Status Worker::RegisterAndLoad() {
  StopHeartbeats();
  v1::RegisterRequest request;
  request.set_requested_worker_index(options_.requested_worker_index);
  request.mutable_capabilities()->set_threads(options_.threads);
  request.mutable_capabilities()->set_hostname(options_.hostname);
  request.mutable_capabilities()->set_pid(static_cast<uint32_t>(getpid()));
  v1::RegisterResponse response;
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    absl::Status s = coordinator_->Register(request, &response);
    if (s.ok()) break;
    if (absl::IsInvalidArgument(s)) return s;
    if (absl::Now() - last_contact_ >
        absl::Milliseconds(options_.coordinator_wait_ms)) {
      return absl::UnavailableError(
          absl::StrCat("no answer from the coordinator for ",
                       options_.coordinator_wait_ms, " ms: ", s.message()));
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
  last_contact_ = absl::Now();
  worker_id_ = response.worker_id();
  log_->Info("registered", {{"worker_id", worker_id_},
                            {"slot", response.worker_index()},
                            {"num_workers", response.num_workers()}});
  std::string text;
  google::protobuf::TextFormat::PrintToString(response.job(), &text);
  if (job_ == nullptr || text != job_text_) {
    TAILOR_ASSIGN_OR_RETURN(
        DistributedJob job,
        ValidateDistributedJob(response.job(),
                               static_cast<int>(response.num_workers())));
    FileSystem* fs = options_.fs != nullptr ? options_.fs : PosixFileSystem();
    TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<WorkerData> data,
                            WorkerData::Open(fs, job, /*compact=*/job.als));
    log_->Info("opened the dataset; partitions are loaded as tasks name them",
               {{"dataset", job.spec.dataset_dir()},
                {"users", data->user_keys().size()},
                {"items", data->item_keys().size()}});
    job_ = std::make_unique<DistributedJob>(std::move(job));
    data_ = std::move(data);
    warm_.clear();
    job_text_ = text;
  }
  PsClientOptions po;
  po.shard_addresses.assign(response.parameter_servers().begin(),
                            response.parameter_servers().end());
  po.worker_id = worker_id_;
  auto factory =
      options_.ps_factory ? options_.ps_factory : [](const PsClientOptions& o) {
        return PsClient::Create(o);
      };
  TAILOR_ASSIGN_OR_RETURN(ps_, factory(po));
  reregister_ = false;
  abort_task_ = false;
  {
    absl::MutexLock lock(&mu_);
    heartbeat_stop_ = false;
  }
  heartbeat_ = std::make_unique<std::thread>(
      [this, id = worker_id_, ms = int64_t{response.heartbeat_interval_ms()}] {
        HeartbeatLoop(id, std::max<int64_t>(ms, 10));
      });
  return absl::OkStatus();
}

absl::Status Worker::RunTask(const v1::Task& task) {
  const absl::Time start = absl::Now();
  TaskContext ctx;
  ctx.job = job_.get();
  ctx.data = data_.get();
  ctx.warm = &warm_;
  ctx.ps = ps_.get();
  ctx.threads = options_.threads;
  ctx.abort = &abort_task_;
  current_task_ = task.task_id();
  absl::StatusOr<TaskOutcome> outcome = task.kind() == v1::STEP_KIND_SGD_BLOCK
                                            ? RunSgdTask(ctx, task)
                                            : RunAlsTask(ctx, task);
  current_task_ = 0;
  v1::ReportProgressRequest report;
  report.set_worker_id(worker_id_);
  report.set_task_id(task.task_id());
  report.set_duration_ms(
      static_cast<uint64_t>(absl::ToInt64Milliseconds(absl::Now() - start)));
  if (outcome.ok()) {
    report.set_state(v1::TASK_STATE_DONE);
    report.set_rows_solved(outcome->rows_solved);
    report.set_rows_pulled(outcome->rows_pulled);
    report.set_rows_pushed(outcome->rows_pushed);
    report.set_min_rows(outcome->min_rows);
    report.set_bytes_pulled(outcome->bytes_pulled);
    report.set_bytes_pushed(outcome->bytes_pushed);
    report.mutable_loss()->set_data_loss_sum(outcome->data_loss_sum);
    report.mutable_loss()->set_regularization_sum(outcome->regularization_sum);
    report.mutable_loss()->set_count(outcome->count);
  } else {
    log_->Warning("task failed", {{"task_id", task.task_id()},
                                  {"error", outcome.status().ToString()}});
    report.set_state(v1::TASK_STATE_FAILED);
    report.set_error(outcome.status().ToString());
  }
  v1::ReportProgressResponse response;
  absl::Status s = coordinator_->ReportProgress(report, &response);
  if (s.ok()) last_contact_ = absl::Now();
  // Solved rows become warm starts only once the coordinator took them as
  // the task's result (a refused task may be redone by another worker).
  if (outcome.ok()) {
    for (auto& [key, rows] : outcome->solved) {
      if (s.ok() && response.accepted()) {
        warm_[key] = std::move(rows);
      } else {
        warm_.erase(key);
      }
    }
  }
  // NOT_FOUND / FAILED_PRECONDITION: the task was withdrawn or reassigned;
  // nothing to do. Other errors surface at the next GetTask.
  if (absl::IsNotFound(s) && absl::StrContains(s.message(), "not registered")) {
    reregister_ = true;
  }
  return absl::OkStatus();
}

absl::Status Worker::Run() {
  last_contact_ = absl::Now();
  TAILOR_RETURN_IF_ERROR(RegisterAndLoad());
  absl::Duration backoff = absl::Milliseconds(100);
  while (!stop_) {
    if (reregister_) {
      log_->Info("registering again");
      TAILOR_RETURN_IF_ERROR(RegisterAndLoad());
    }
    v1::GetTaskRequest request;
    request.set_worker_id(worker_id_);
    v1::GetTaskResponse response;
    absl::Status s = coordinator_->GetTask(request, &response);
    if (NeedsRegister(s)) {
      reregister_ = true;
      continue;
    }
    if (!s.ok()) {
      if (absl::Now() - last_contact_ >
          absl::Milliseconds(options_.coordinator_wait_ms)) {
        StopHeartbeats();
        return absl::UnavailableError(
            absl::StrCat("no answer from the coordinator for ",
                         options_.coordinator_wait_ms, " ms: ", s.message()));
      }
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(2));
      continue;
    }
    backoff = absl::Milliseconds(100);
    last_contact_ = absl::Now();
    if (response.has_task()) {
      abort_task_ = false;
      TAILOR_RETURN_IF_ERROR(RunTask(response.task()));
    } else if (response.stop()) {
      break;
    } else {
      absl::SleepFor(absl::Milliseconds(
          std::clamp<int64_t>(response.retry_after_ms(), 1, 1000)));
    }
  }
  StopHeartbeats();
  log_->Info("the coordinator says the job is done");
  return absl::OkStatus();
}

}  // namespace tailor::distributed
