// Coordinator: the driver thread (Run), steps, checkpoints, recovery.
#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "trainer/distributed/coordinator.h"
#include "trainer/distributed/shard_model.h"
#include "trainer/sgd/sgd_random.h"

namespace tailor::distributed {
namespace {

constexpr char kStateFile[] = "coordinator_state.json";
constexpr int kStateFormat = 1;

double Seconds(absl::Time since) {
  return absl::ToDoubleSeconds(absl::Now() - since);
}

void AddOutcome(const TaskOutcome& o, TaskOutcome& sum) {
  sum.data_loss_sum += o.data_loss_sum;
  sum.regularization_sum += o.regularization_sum;
  sum.count += o.count;
  sum.rows_solved += o.rows_solved;
  sum.rows_pulled += o.rows_pulled;
  sum.rows_pushed += o.rows_pushed;
  sum.bytes_pulled += o.bytes_pulled;
  sum.bytes_pushed += o.bytes_pushed;
  sum.min_rows += o.min_rows;
}

}  // namespace

void Coordinator::Emit(const nlohmann::json& line) {
  if (options_.progress) options_.progress(line.dump());
}

absl::Status Coordinator::WriteState(bool done) {
  nlohmann::json state = {{"format", kStateFormat},
                          {"job_spec", spec_text_},
                          {"num_shards", options_.ps_addresses.size()},
                          {"checkpoint_iteration", checkpoint_iteration_},
                          {"done", done},
                          {"history", lines_}};
  {
    absl::MutexLock lock(&mu_);
    state["export_path"] = export_path_;
  }
  state["metrics"] = last_metrics_;
  const std::string path = JoinPath(options_.state_dir, kStateFile);
  const std::string tmp = path + ".tmp";
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs_, tmp, state.dump(1) + "\n"));
  return fs_->Rename(tmp, path);
}

absl::Status Coordinator::RecordShardStarts() {
  TAILOR_ASSIGN_OR_RETURN(std::vector<ShardStats> stats, ps_->Stats());
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  shard_start_ms_.clear();
  for (const ShardStats& s : stats) {
    shard_start_ms_.push_back(now_ms - static_cast<int64_t>(s.uptime_ms));
  }
  SetShardHealth(&stats, -1);
  return absl::OkStatus();
}

absl::Status Coordinator::CheckShards() {
  // A shard's start time is estimated from the time the call was sent: the
  // shard answered later, so `sent - uptime` is never later than its true
  // start, however slow the link (the recorded start, `answer received -
  // uptime`, is never earlier). A slow answer is not taken for a restart.
  const int64_t sent_ms = absl::ToUnixMillis(absl::Now());
  absl::StatusOr<std::vector<ShardStats>> stats = ps_->Stats();
  if (!stats.ok()) {
    SetShardHealth(nullptr, -1);
    return absl::UnavailableError(absl::StrCat("parameter-server shard lost: ",
                                               stats.status().message()));
  }
  for (size_t i = 0; i < stats->size() && i < shard_start_ms_.size(); ++i) {
    const int64_t start = sent_ms - static_cast<int64_t>((*stats)[i].uptime_ms);
    if (start > shard_start_ms_[i] + 1500) {
      SetShardHealth(&*stats, static_cast<int>(i));
      return absl::UnavailableError(absl::StrCat(
          "parameter-server shard ", i, " (", options_.ps_addresses[i],
          ") restarted during the iteration"));
    }
  }
  SetShardHealth(&*stats, -1);
  return absl::OkStatus();
}

void Coordinator::SetShardHealth(const std::vector<ShardStats>* stats,
                                 int restarted) {
  absl::MutexLock lock(&mu_);
  shard_health_.assign(options_.ps_addresses.size(), ShardHealth{});
  if (stats == nullptr) return;  // a shard did not answer: none is vouched for
  for (size_t i = 0; i < stats->size() && i < shard_health_.size(); ++i) {
    shard_health_[i].healthy = static_cast<int>(i) != restarted;
    shard_health_[i].rows = (*stats)[i].rows;
  }
}

absl::Status Coordinator::Classify(absl::Status error) {
  if (error.ok() || absl::IsCancelled(error)) return error;
  if (absl::Status check = CheckShards(); !check.ok()) {
    return absl::UnavailableError(
        absl::StrCat(check.message(), " (while: ", error.message(), ")"));
  }
  if (absl::IsUnavailable(error) || absl::IsDeadlineExceeded(error)) {
    // A call ran out of its retries although every shard answers now: a
    // shard may have been down and restarted from its checkpoint between
    // the failure and this check (too soon for the uptime test to see it).
    // Rolling back to the last checkpoint is always correct; the number of
    // rollbacks is bounded by --max_rollbacks.
    return absl::UnavailableError(
        absl::StrCat("a parameter-server call failed after its retries (",
                     error.message(), "); treating it as a lost shard"));
  }
  return error;
}

absl::Status Coordinator::TakeCheckpoint(int iteration) {
  {
    absl::MutexLock lock(&mu_);
    state_ = tailor::v1::JOB_STATE_CHECKPOINTING;
  }
  TAILOR_RETURN_IF_ERROR(
      Classify(ps_->Checkpoint(options_.state_dir, iteration).status()));
  checkpoint_iteration_ = iteration;
  TAILOR_RETURN_IF_ERROR(WriteState(false));
  PruneCheckpoints();
  absl::MutexLock lock(&mu_);
  last_checkpoint_ = iteration;
  state_ = tailor::v1::JOB_STATE_RUNNING;
  return absl::OkStatus();
}

void Coordinator::PruneCheckpoints() {
  const uint32_t keep = job_.spec.checkpoint().keep();
  if (keep == 0) return;
  absl::StatusOr<std::vector<std::string>> names =
      fs_->ListDir(options_.state_dir);
  if (!names.ok()) return;
  // Checkpoint directories are the 8-digit iteration numbers.
  std::vector<int> iterations;
  for (const std::string& n : *names) {
    int it = 0;
    if (n.size() == 8 &&
        std::all_of(n.begin(), n.end(),
                    [](char c) { return c >= '0' && c <= '9'; }) &&
        absl::SimpleAtoi(n, &it) && it <= checkpoint_iteration_) {
      iterations.push_back(it);
    }
  }
  std::sort(iterations.rbegin(), iterations.rend());
  // The newest `keep` (checkpoint_iteration_, named by the state file, is
  // the newest) stay; older ones go. Failures only leave files behind.
  for (size_t i = keep; i < iterations.size(); ++i) {
    const std::string dir =
        JoinPath(options_.state_dir, absl::StrFormat("%08d", iterations[i]));
    if (absl::Status s = fs_->DeleteRecursively(dir); !s.ok()) {
      log_->Warning("could not delete an old checkpoint",
                    {{"dir", dir}, {"error", s.ToString()}});
    }
  }
}

// Waits (bounded, with backoff) until every shard answers.
static absl::Status WaitForShards(PsClient* ps, int64_t wait_ms,
                                  const std::function<bool()>& cancelled) {
  const absl::Time deadline = absl::Now() + absl::Milliseconds(wait_ms);
  absl::Duration backoff = absl::Milliseconds(200);
  while (true) {
    absl::StatusOr<std::vector<ShardStats>> s = ps->Stats();
    if (s.ok()) return absl::OkStatus();
    if (cancelled()) return absl::CancelledError("cancelled");
    if (absl::Now() + backoff > deadline) {
      return absl::UnavailableError(
          absl::StrCat("parameter servers not reachable within ", wait_ms,
                       " ms: ", s.status().message()));
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(3));
  }
}

absl::Status Coordinator::Start() {
  TAILOR_RETURN_IF_ERROR(fs_->CreateDirs(options_.state_dir));
  TAILOR_RETURN_IF_ERROR(WaitForShards(ps_.get(), options_.shard_wait_ms,
                                       [this] { return cancelled(); }));
  if (ps_->num_shards() != static_cast<int>(options_.ps_addresses.size())) {
    return absl::InternalError("shard count mismatch");
  }
  for (const TableSpec& spec : JobTableSpecs(job_)) {
    if (absl::Status s = ps_->CreateTable(spec); !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("creating table '", spec.name,
                                 "' on the parameter servers: ", s.message()));
    }
  }
  const std::string path = JoinPath(options_.state_dir, kStateFile);
  if (fs_->Exists(path)) {
    TAILOR_ASSIGN_OR_RETURN(std::string text, ReadFileToString(fs_, path));
    nlohmann::json state = nlohmann::json::parse(text, nullptr, false);
    if (state.is_discarded() || !state.is_object() ||
        state.value("format", 0) != kStateFormat) {
      return absl::DataLossError(
          absl::StrCat(path, ": not a coordinator state file"));
    }
    if (state.value("job_spec", std::string()) != spec_text_ ||
        state.value("num_shards", size_t{0}) != options_.ps_addresses.size()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--state_dir ", options_.state_dir,
          " holds the state of a different job (another job spec or shard "
          "count); use an empty --state_dir"));
    }
    checkpoint_iteration_ = state.value("checkpoint_iteration", 0);
    for (const nlohmann::json& line : state["history"]) {
      if (line.value("iteration", 0) <= checkpoint_iteration_) {
        lines_.push_back(line);
      }
    }
    if (state.contains("metrics")) {
      last_metrics_ = state["metrics"].get<std::map<std::string, double>>();
    }
    if (state.value("done", false)) {
      absl::MutexLock lock(&mu_);
      export_path_ = state.value("export_path", std::string());
      finished_ = true;
      return absl::OkStatus();
    }
    log_->Info("resuming from a checkpoint",
               {{"iteration", checkpoint_iteration_},
                {"state_dir", options_.state_dir}});
    // Workers of the previous incarnation may still run a task; within two
    // heartbeats they hear NOT_FOUND and abandon it before pushing again.
    absl::SleepFor(
        absl::Milliseconds(2 * options_.heartbeat_interval_ms + 500));
    TAILOR_ASSIGN_OR_RETURN(
        int64_t restored,
        ps_->Restore(options_.state_dir, checkpoint_iteration_));
    (void)restored;
    absl::MutexLock lock(&mu_);
    last_checkpoint_ = checkpoint_iteration_;
  } else {
    TAILOR_RETURN_IF_ERROR(TakeCheckpoint(0));
  }
  return RecordShardStarts();
}

absl::Status Coordinator::Recover(const absl::Status& cause) {
  ++rollbacks_;
  if (options_.events != nullptr) options_.events->OnRollback();
  log_->Warning("pausing, rolling back to the last checkpoint",
                {{"cause", std::string(cause.message())},
                 {"iteration", checkpoint_iteration_},
                 {"recovery", rollbacks_},
                 {"max_rollbacks", options_.max_rollbacks}});
  if (rollbacks_ > options_.max_rollbacks) {
    return absl::AbortedError(
        absl::StrCat("gave up after ", options_.max_rollbacks,
                     " rollbacks; last cause: ", cause.message()));
  }
  {
    absl::MutexLock lock(&mu_);
    WithdrawAllTasks();
    AwaitWithdrawn();
    state_ = tailor::v1::JOB_STATE_RUNNING;
  }
  TAILOR_RETURN_IF_ERROR(WaitForShards(ps_.get(), options_.shard_wait_ms,
                                       [this] { return cancelled(); }));
  for (const TableSpec& spec : JobTableSpecs(job_)) {
    TAILOR_RETURN_IF_ERROR(ps_->CreateTable(spec));
  }
  TAILOR_RETURN_IF_ERROR(
      ps_->Restore(options_.state_dir, checkpoint_iteration_).status());
  TAILOR_RETURN_IF_ERROR(RecordShardStarts());
  next_item_gram_.reset();
  lines_.erase(std::remove_if(lines_.begin(), lines_.end(),
                              [&](const nlohmann::json& l) {
                                return l.value("iteration", 0) >
                                       checkpoint_iteration_;
                              }),
               lines_.end());
  absl::MutexLock lock(&mu_);
  while (!history_.empty() && static_cast<int>(history_.back().iteration()) >=
                                  checkpoint_iteration_) {
    history_.pop_back();
  }
  return absl::OkStatus();
}

absl::Status Coordinator::RunStep(std::vector<TaskEntry> tasks,
                                  std::vector<TaskOutcome>* outcomes) {
  absl::MutexLock lock(&mu_);
  for (TaskEntry& t : tasks) {
    t.task.set_task_id(next_task_id_++);
    t.task.set_generation(generation_);
    t.task.mutable_row_cuts()->Assign(layout_.grid.row_cuts.begin(),
                                      layout_.grid.row_cuts.end());
    t.task.mutable_col_cuts()->Assign(layout_.grid.col_cuts.begin(),
                                      layout_.grid.col_cuts.end());
    t.pending_since = absl::Now();
  }
  tasks_ = std::move(tasks);
  cv_.SignalAll();
  while (true) {
    cv_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
    if (!cancel_reason_.empty()) return absl::CancelledError(cancel_reason_);
    ExpireLeases();
    ExpireTaskDeadlines();
    bool all_done = true;
    for (const TaskEntry& t : tasks_) {
      all_done = all_done && t.state == TaskEntry::State::kDone;
    }
    if (all_done) {
      outcomes->clear();
      for (const TaskEntry& t : tasks_) outcomes->push_back(t.outcome);
      tasks_.clear();
      return absl::OkStatus();
    }
    if (failure_pending_) {
      failure_pending_ = false;
      mu_.Unlock();
      absl::Status shards = CheckShards();
      mu_.Lock();
      if (!shards.ok()) return shards;
      for (TaskEntry& t : tasks_) {
        if (t.state != TaskEntry::State::kFailed) continue;
        if (t.failures >= options_.max_task_attempts) {
          return absl::InternalError(absl::StrCat(
              "task ", t.task.task_id(), " (iteration ", t.task.iteration(),
              ") failed ", t.failures, " times; last error: ", t.last_error));
        }
        t.state = TaskEntry::State::kPending;
        t.pending_since = absl::InfinitePast();
      }
    }
    if (LiveWorkers() == 0 && absl::Now() - last_live_worker_ >
                                  absl::Milliseconds(options_.worker_wait_ms)) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no live worker for ", options_.worker_wait_ms, " ms (expected ",
          options_.num_workers,
          "; are the tailor_worker processes running with --coordinator "
          "pointing here?)"));
    }
  }
}

absl::Status Coordinator::RunAlsIteration(int iteration, double* loss,
                                          TaskOutcome* traffic) {
  const int k = static_cast<int>(job_.spec.factors());
  const int W = options_.num_workers;
  const int P = job_.num_partitions;
  const int done = iteration + 1;
  const bool with_loss =
      done == static_cast<int>(job_.spec.iterations()) ||
      (options_.loss_every > 0 && done % options_.loss_every == 0);
  auto make_tasks = [&](tailor::v1::StepKind kind, const GramSum& gram) {
    std::vector<TaskEntry> tasks(W);
    for (int w = 0; w < W; ++w) {
      tailor::v1::Task& t = tasks[w].task;
      tasks[w].preferred_slot = w;
      t.set_iteration(iteration);
      t.set_kind(kind);
      for (int p = w; p < P; p += W) t.add_partition_ids(p);
      t.set_num_partitions(P);
      t.mutable_tables()->set_solve_table(
          kind == tailor::v1::STEP_KIND_ALS_USER ? kUserTable : kItemTable);
      t.mutable_tables()->set_fixed_table(
          kind == tailor::v1::STEP_KIND_ALS_USER ? kItemTable : kUserTable);
      t.mutable_hyperparameters()->set_regularization(
          job_.spec.regularization());
      t.mutable_hyperparameters()->set_alpha(job_.spec.alpha());
      t.mutable_fixed_gram()->Add(gram.gram.begin(), gram.gram.end());
      t.set_clock(iteration);
      t.set_skip_data_loss(!with_loss);
    }
    return tasks;
  };
  // User step against the items' Gram (iteration 0: the items were never
  // written, so their Gram is taken over every key with initial values).
  GramSum item_gram;
  if (next_item_gram_.has_value()) {
    item_gram = std::move(*next_item_gram_);
    next_item_gram_.reset();
  } else {
    GramOptions go;
    if (iteration == 0) go.keys = layout_.item_keys;
    absl::StatusOr<GramSum> g = ps_->GramPartial(kItemTable, go);
    TAILOR_RETURN_IF_ERROR(Classify(g.status()));
    item_gram = *std::move(g);
  }
  if (item_gram.dim != k) {
    return absl::InternalError(
        absl::StrCat("item Gram has dim ", item_gram.dim, ", expected ", k));
  }
  std::vector<TaskOutcome> user_out, item_out;
  TAILOR_RETURN_IF_ERROR(RunStep(
      make_tasks(tailor::v1::STEP_KIND_ALS_USER, item_gram), &user_out));
  TAILOR_RETURN_IF_ERROR(CheckShards());
  absl::StatusOr<GramSum> user_gram = ps_->GramPartial(kUserTable);
  TAILOR_RETURN_IF_ERROR(Classify(user_gram.status()));
  TAILOR_RETURN_IF_ERROR(RunStep(
      make_tasks(tailor::v1::STEP_KIND_ALS_ITEM, *user_gram), &item_out));
  TAILOR_RETURN_IF_ERROR(CheckShards());
  absl::StatusOr<GramSum> new_item_gram = ps_->GramPartial(kItemTable);
  TAILOR_RETURN_IF_ERROR(Classify(new_item_gram.status()));
  double trace = 0;
  for (int i = 0; i < k * k; ++i) {
    trace += user_gram->gram[i] * new_item_gram->gram[i];
  }
  const double g = job_.spec.alpha0() > 0 ? job_.spec.alpha0() : 1.0;
  double sum = g * trace;
  for (const auto* outs : {&user_out, &item_out}) {
    for (const TaskOutcome& o : *outs) {
      sum += o.data_loss_sum + o.regularization_sum;
      AddOutcome(o, *traffic);
    }
  }
  *loss = with_loss ? sum : std::nan("");
  next_item_gram_ = std::move(*new_item_gram);
  return absl::OkStatus();
}

absl::Status Coordinator::RunSgdIteration(int iteration, double* loss,
                                          TaskOutcome* traffic) {
  TAILOR_ASSIGN_OR_RETURN(SgdOptions o, SgdOptionsFromJob(job_, 1));
  const float lr = LearningRateAt(o.schedule, o.learning_rate, iteration);
  const float ratio =
      o.bias_learning_rate < 0 ? 1.0f : o.bias_learning_rate / o.learning_rate;
  const int P = job_.num_partitions, W = options_.num_workers;
  double loss_sum = 0;
  int64_t examples = 0;
  for (int s = 0; s < P; ++s) {
    std::vector<TaskEntry> tasks(P);
    for (int i = 0; i < P; ++i) {
      tailor::v1::Task& t = tasks[i].task;
      tasks[i].preferred_slot = i % W;
      t.set_iteration(iteration);
      t.set_kind(tailor::v1::STEP_KIND_SGD_BLOCK);
      t.mutable_sgd_block()->set_row_block(i);
      t.mutable_sgd_block()->set_col_block((i + s) % P);
      t.mutable_sgd_block()->set_num_blocks(P);
      t.mutable_sgd_block()->set_sub_epoch(s);
      t.set_num_partitions(P);
      tailor::v1::StepHyperparameters* h = t.mutable_hyperparameters();
      h->set_learning_rate(lr);
      h->set_bias_learning_rate(lr * ratio);
      h->set_regularization(job_.spec.regularization());
      h->set_negatives(job_.spec.negatives());
      h->set_global_mean(static_cast<float>(layout_.global_mean));
      h->set_seed(DeriveSeed(job_.spec.seed(), iteration, i, s));
      t.set_clock(iteration);
    }
    std::vector<TaskOutcome> out;
    TAILOR_RETURN_IF_ERROR(RunStep(std::move(tasks), &out));
    TAILOR_RETURN_IF_ERROR(CheckShards());
    for (const TaskOutcome& x : out) {
      loss_sum += x.data_loss_sum;
      examples += x.count;
      AddOutcome(x, *traffic);
    }
  }
  *loss = examples > 0 ? loss_sum / examples : 0.0;
  return absl::OkStatus();
}

absl::Status Coordinator::RunIteration(int iteration) {
  const absl::Time start = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    iteration_ = iteration;
    state_ = tailor::v1::JOB_STATE_RUNNING;
  }
  double loss = 0;
  TaskOutcome traffic;
  if (job_.als) {
    TAILOR_RETURN_IF_ERROR(RunAlsIteration(iteration, &loss, &traffic));
  } else {
    TAILOR_RETURN_IF_ERROR(RunSgdIteration(iteration, &loss, &traffic));
  }
  const double train_seconds = Seconds(start);
  std::map<std::string, double> metrics;
  int64_t eval_bytes = 0;
  const int done = iteration + 1;
  if (job_.evaluate && (done % job_.eval_every == 0 ||
                        done == static_cast<int>(job_.spec.iterations()))) {
    {
      absl::MutexLock lock(&mu_);
      state_ = tailor::v1::JOB_STATE_EVALUATING;
    }
    absl::StatusOr<std::map<std::string, double>> m =
        EvaluateOnShards(ps_.get(), job_, layout_, &eval_bytes);
    TAILOR_RETURN_IF_ERROR(Classify(m.status()));
    metrics = *std::move(m);
    last_metrics_ = metrics;
  }
  nlohmann::json line = {
      {"iteration", done},
      {"loss",
       std::isnan(loss) ? nlohmann::json(nullptr) : nlohmann::json(loss)},
      {"metrics", metrics},
      {"seconds", Seconds(start)},
      {"train_seconds", train_seconds},
      {"bytes_moved", traffic.bytes_pulled + traffic.bytes_pushed},
      {"rows_pulled", traffic.rows_pulled},
      {"rows_pushed", traffic.rows_pushed},
      {"eval_bytes", eval_bytes}};
  if (job_.als) {
    line["min_bytes"] = RowPayloadBytes(traffic.min_rows, job_.spec.factors());
  }
  lines_.push_back(line);
  Emit(line);
  tailor::v1::IterationMetrics h;
  h.set_iteration(iteration);
  h.set_loss(loss);
  for (const auto& [name, value] : metrics)
    (*h.mutable_metrics())[name] = value;
  h.set_duration_ms(static_cast<uint64_t>(Seconds(start) * 1000));
  h.set_rows_solved(traffic.rows_solved);
  h.set_bytes_moved(traffic.bytes_pulled + traffic.bytes_pushed);
  h.set_started_unix_ms(absl::ToUnixMillis(start));
  h.set_finished_unix_ms(absl::ToUnixMillis(absl::Now()));
  absl::MutexLock lock(&mu_);
  history_.push_back(h);
  return absl::OkStatus();
}

void Coordinator::Linger() {
  // Tell every live worker to stop (at its next GetTask or heartbeat),
  // waiting at most one lease.
  const absl::Time deadline =
      absl::Now() + absl::Milliseconds(options_.lease_ms);
  absl::MutexLock lock(&mu_);
  finished_ = true;
  while (absl::Now() < deadline && cancel_reason_.empty()) {
    bool all_told = true;
    for (const auto& [id, w] : workers_) {
      all_told = all_told && (w.lost || w.told_stop);
    }
    if (all_told) break;
    cv_.WaitWithTimeout(&mu_, absl::Milliseconds(50));
    ExpireLeases();
  }
}

absl::StatusOr<std::string> Coordinator::Run() {
  absl::Status status = Start();
  const int iterations = static_cast<int>(job_.spec.iterations());
  int iteration = checkpoint_iteration_;
  bool finished;
  {
    absl::MutexLock lock(&mu_);
    finished = finished_;
  }
  std::string export_path;
  std::string base = options_.export_base.empty()
                         ? job_.spec.model_export().base_dir()
                         : options_.export_base;
  std::string name = options_.export_name.empty()
                         ? job_.spec.model_export().model_name()
                         : options_.export_name;
  if (name.empty()) name = job_id_;
  while (status.ok() && !finished) {
    absl::Status s;
    if (iteration < iterations) {
      s = RunIteration(iteration);
      if (s.ok()) {
        ++iteration;
        const int every =
            static_cast<int>(job_.spec.checkpoint().every_iterations());
        if (every > 0 && iteration % every == 0 && iteration < iterations) {
          s = TakeCheckpoint(iteration);
        }
      }
    } else {
      if (!base.empty()) {
        {
          absl::MutexLock lock(&mu_);
          state_ = tailor::v1::JOB_STATE_EXPORTING;
        }
        nlohmann::json training = {{"iterations", iterations},
                                   {"distributed",
                                    {{"shards", options_.ps_addresses.size()},
                                     {"workers", options_.num_workers},
                                     {"partitions", job_.num_partitions},
                                     {"rollbacks", rollbacks_}}},
                                   {"history", lines_}};
        absl::StatusOr<std::string> path = ExportFromShards(
            ps_.get(), fs_, job_, layout_, base, name, last_metrics_, training);
        s = path.ok() ? CheckShards() : Classify(path.status());
        if (s.ok()) export_path = *path;
      }
      if (s.ok()) {
        {
          absl::MutexLock lock(&mu_);
          export_path_ = export_path;
        }
        s = WriteState(true);
        if (s.ok()) break;
      }
    }
    if (s.ok()) continue;
    if (absl::IsUnavailable(s)) {
      s = Recover(s);
      iteration = checkpoint_iteration_;
    }
    status = s;
  }
  {
    absl::MutexLock lock(&mu_);
    if (finished) export_path = export_path_;
    state_ = status.ok() ? tailor::v1::JOB_STATE_SUCCEEDED
                         : tailor::v1::JOB_STATE_FAILED;
    if (!status.ok()) error_ = std::string(status.message());
  }
  if (!status.ok()) {
    Emit({{"done", false}, {"error", std::string(status.message())}});
    {
      absl::MutexLock lock(&mu_);
      finished_ = true;
    }
    Linger();
    return status;
  }
  Emit({{"done", true},
        {"export_path", export_path},
        {"iterations", iterations},
        {"metrics", last_metrics_},
        {"rollbacks", rollbacks_}});
  Linger();
  return export_path;
}

}  // namespace tailor::distributed
