#include "trainer/distributed/coordinator_metrics.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace tailor::distributed {
namespace {

using tailor::v1::GetJobStatusResponse;

// "JOB_STATE_RUNNING" -> "running".
std::string ShortName(const std::string& enum_name, absl::string_view prefix) {
  absl::string_view s = enum_name;
  absl::ConsumePrefix(&s, prefix);
  return absl::AsciiStrToLower(s);
}

}  // namespace

CoordinatorMetrics::CoordinatorMetrics(metrics::MetricRegistry* registry,
                                       StatusSource source)
    : source_(std::move(source)) {
  iteration_ = registry->AddGauge("tailor_coordinator_iteration",
                                  "Iteration in progress (0-based).");
  iterations_ = registry->AddGauge("tailor_coordinator_iterations",
                                   "Iterations planned for the job.");
  iterations_done_ = registry->AddGauge("tailor_coordinator_iterations_done",
                                        "Iterations finished so far.");
  state_ = registry->AddGauge(
      "tailor_coordinator_job_state",
      "1 for the job's current state (phase), 0 for the others.", {"state"});
  workers_ = registry->AddGauge("tailor_coordinator_workers",
                                "Registered workers by state.", {"state"});
  shards_healthy_ = registry->AddGauge(
      "tailor_coordinator_shards_healthy",
      "Parameter-server shards answering, of those configured.");
  shard_rows_ =
      registry->AddGauge("tailor_coordinator_shard_rows",
                         "Rows stored per shard (all tables).", {"shard"});
  last_checkpoint_ =
      registry->AddGauge("tailor_coordinator_last_checkpoint_iteration",
                         "Newest complete checkpoint's iteration (-1: none).");
  loss_ = registry->AddGauge("tailor_coordinator_training_loss",
                             "Training loss of the last finished iteration.");
  eval_metric_ = registry->AddGauge(
      "tailor_coordinator_eval_metric",
      "Held-out metrics of the last evaluated iteration, by name.", {"metric"});
  best_metric_ =
      registry->AddGauge("tailor_coordinator_best_metric",
                         "Best value so far of the early-stopping metric.");
  iteration_seconds_ =
      registry->AddGauge("tailor_coordinator_last_iteration_seconds",
                         "Wall time of the last finished iteration.");
  rows_solved_ = registry->AddGauge(
      "tailor_coordinator_rows_solved",
      "Rows solved over all finished iterations (a gauge: it restarts with a "
      "resumed job's history).");
  bytes_moved_ = registry->AddGauge(
      "tailor_coordinator_bytes_moved",
      "Bytes moved to and from the shards over all finished iterations.");
  status_errors_ = registry->AddGauge(
      "tailor_coordinator_status_error",
      "1 when the last scrape could not read the job status.");
  registry->AddScrapeHook([this] { Refresh(); });
}

void CoordinatorMetrics::Refresh() {
  GetJobStatusResponse status;
  const absl::Status read = source_(&status);
  status_errors_->Get()->Set(read.ok() ? 0 : 1);
  if (read.ok()) Update(status);
}

void CoordinatorMetrics::Update(const GetJobStatusResponse& status) {
  iteration_->Get()->Set(status.iteration());
  iterations_->Get()->Set(status.iterations());
  iterations_done_->Get()->Set(status.history_size());
  state_->Clear();
  const google::protobuf::EnumDescriptor* states =
      tailor::v1::JobState_descriptor();
  for (int i = 0; i < states->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* v = states->value(i);
    if (v->number() == 0) continue;
    state_->WithLabels({ShortName(v->name(), "JOB_STATE_")})
        ->Set(v->number() == status.state() ? 1 : 0);
  }
  workers_->Clear();
  for (const char* s : {"idle", "busy", "lost", "stopped"}) {
    workers_->WithLabels({s})->Set(0);
  }
  for (const tailor::v1::WorkerStatus& w : status.workers()) {
    if (w.state() == tailor::v1::WORKER_STATE_UNSPECIFIED) continue;
    workers_
        ->WithLabels({ShortName(tailor::v1::WorkerState_Name(w.state()),
                                "WORKER_STATE_")})
        ->Add(1);
  }
  int healthy = 0;
  shard_rows_->Clear();
  for (const tailor::v1::ShardStatus& s : status.shards()) {
    healthy += s.healthy() ? 1 : 0;
    shard_rows_->WithLabels({absl::StrCat(s.shard_index())})
        ->Set(static_cast<double>(s.rows()));
  }
  shards_healthy_->Get()->Set(healthy);
  last_checkpoint_->Get()->Set(
      static_cast<double>(status.last_checkpoint_iteration()));
  best_metric_->Get()->Set(status.best_metric());
  double rows = 0, bytes = 0;
  for (const tailor::v1::IterationMetrics& m : status.history()) {
    rows += static_cast<double>(m.rows_solved());
    bytes += static_cast<double>(m.bytes_moved());
  }
  rows_solved_->Get()->Set(rows);
  bytes_moved_->Get()->Set(bytes);
  if (status.history_size() > 0) {
    const tailor::v1::IterationMetrics& last =
        status.history(status.history_size() - 1);
    loss_->Get()->Set(last.loss());
    iteration_seconds_->Get()->Set(last.duration_ms() / 1000.0);
  }
  // The newest iteration that was evaluated.
  for (int i = status.history_size() - 1; i >= 0; --i) {
    if (status.history(i).metrics().empty()) continue;
    eval_metric_->Clear();
    for (const auto& [name, value] : status.history(i).metrics()) {
      eval_metric_->WithLabels({name})->Set(value);
    }
    break;
  }
}

}  // namespace tailor::distributed
