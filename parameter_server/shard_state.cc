#include "parameter_server/shard_state.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "parameter_server/ps_error.h"

namespace tailor {

ShardState::ShardState(const ShardStateOptions& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : RealClock()) {}

absl::StatusOr<std::unique_ptr<ShardState>> ShardState::Create(
    const ShardStateOptions& options) {
  if (options.fs == nullptr) {
    return absl::InvalidArgumentError("ShardState needs a FileSystem");
  }
  if (options.num_shards == 0 || options.shard_index >= options.num_shards) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shard index ", options.shard_index,
        " is not in 0..num_shards-1 (num_shards ", options.num_shards, ")"));
  }
  return std::unique_ptr<ShardState>(new ShardState(options));
}

absl::StatusOr<std::shared_ptr<ShardState::Slot>> ShardState::FindSlot(
    const std::string& name, absl::string_view rpc) {
  absl::MutexLock lock(&tables_mu_);
  auto it = tables_.find(name);
  if (it == tables_.end()) {
    ErrorDetail detail;
    detail.reason = v1::ERROR_REASON_TABLE_NOT_FOUND;
    detail.subject = name;
    detail.field = "table";
    return PsError(
        absl::StatusCode::kNotFound, detail,
        absl::StrCat(rpc, ": table '", name, "' does not exist on shard ",
                     options_.shard_index));
  }
  return it->second;
}

absl::StatusOr<TableInfo> ShardState::CreateTable(const TableSpec& spec,
                                                  bool* already_existed) {
  TAILOR_RETURN_IF_ERROR(ValidateTableSpec(spec));
  std::shared_ptr<Slot> slot;
  {
    absl::MutexLock lock(&tables_mu_);
    auto it = tables_.find(spec.name);
    *already_existed = it != tables_.end();
    if (it == tables_.end()) {
      it = tables_.emplace(spec.name, std::make_shared<Slot>(spec)).first;
    }
    slot = it->second;
  }
  absl::ReaderMutexLock lock(&slot->mu);
  const TableSpec& have = slot->table.spec();
  if (have.dim != spec.dim || have.init != spec.init) {
    ErrorDetail detail;
    detail.reason = v1::ERROR_REASON_TABLE_EXISTS_WITH_OTHER_SPEC;
    detail.subject = spec.name;
    return PsError(absl::StatusCode::kAlreadyExists, detail,
                   absl::StrCat("CreateTable '", spec.name,
                                "': the table exists with dim ", have.dim,
                                " and another initializer or dim (asked dim ",
                                spec.dim, ")"));
  }
  return TableInfo{have, slot->table.rows(), slot->table.bytes(),
                   slot->table.version()};
}

absl::StatusOr<TableInfo> ShardState::GetTable(const std::string& name) {
  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, FindSlot(name, "Table"));
  absl::ReaderMutexLock lock(&slot->mu);
  return TableInfo{slot->table.spec(), slot->table.rows(), slot->table.bytes(),
                   slot->table.version()};
}

std::vector<TableInfo> ShardState::ListTables() {
  std::vector<std::shared_ptr<Slot>> slots;
  {
    absl::MutexLock lock(&tables_mu_);
    for (auto& [name, slot] : tables_) slots.push_back(slot);
  }
  std::vector<TableInfo> out;
  for (auto& slot : slots) {
    absl::ReaderMutexLock lock(&slot->mu);
    out.push_back(TableInfo{slot->table.spec(), slot->table.rows(),
                            slot->table.bytes(), slot->table.version()});
  }
  std::sort(out.begin(), out.end(), [](const TableInfo& a, const TableInfo& b) {
    return a.spec.name < b.spec.name;
  });
  return out;
}

absl::Status ShardState::ReadRows(const std::string& table,
                                  absl::Span<const uint64_t> keys,
                                  bool require_existing, float* out,
                                  uint64_t* version) {
  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, FindSlot(table, "Pull"));
  absl::ReaderMutexLock lock(&slot->mu);
  *version = slot->table.version();
  return slot->table.Read(keys, require_existing, out);
}

absl::StatusOr<std::unique_ptr<PendingPush>> ShardState::BeginPush(
    const PushHeaderInfo& header) {
  const std::string context =
      absl::StrCat("Push to table '", header.table, "'");
  if (header.worker_id == 0 || header.request_id == 0) {
    ErrorDetail detail;
    detail.reason = v1::ERROR_REASON_MISSING_FIELD;
    detail.subject = header.table;
    detail.field =
        header.worker_id == 0 ? "header.worker_id" : "header.request_id";
    return PsError(
        absl::StatusCode::kInvalidArgument, detail,
        absl::StrCat(context, ": ", detail.field, " must be non-zero"));
  }
  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot,
                          FindSlot(header.table, "Push"));
  int dim;
  {
    absl::ReaderMutexLock lock(&slot->mu);
    dim = slot->table.dim();
  }
  absl::StatusOr<std::unique_ptr<UpdateRule>> rule =
      MakeUpdateRule(header.op, header.optimizer);
  if (!rule.ok()) {
    absl::Status status(rule.status().code(),
                        absl::StrCat(context, ": ", rule.status().message()));
    CopyErrorInfo(rule.status(), &status);
    return status;
  }
  return std::make_unique<PendingPush>(header, dim, *std::move(rule),
                                       options_.max_push_bytes);
}

absl::StatusOr<PushResult> ShardState::CommitPush(const PendingPush& push) {
  const PushHeaderInfo& h = push.header();
  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot,
                          FindSlot(h.table, "Push"));
  absl::MutexLock lock(&slot->mu);
  PushResult result;
  {
    absl::MutexLock dedup_lock(&dedup_mu_);
    if (dedup_.Contains(h.worker_id, h.request_id)) {
      result.already_applied = true;
      result.table_version = slot->table.version();
      return result;
    }
  }
  if (slot->table.dim() != push.dim()) {
    return absl::AbortedError(
        absl::StrCat("Push to table '", h.table,
                     "': the table was replaced (restore) "
                     "while the push was streaming; retry it"));
  }
  const Table::ApplyCounts counts =
      slot->table.Apply(push.keys(), push.values().data(), push.rule());
  {
    absl::MutexLock dedup_lock(&dedup_mu_);
    dedup_.Record(h.worker_id, h.request_id);
  }
  result.rows_applied = counts.rows_applied;
  result.rows_created = counts.rows_created;
  result.table_version = slot->table.version();
  return result;
}

absl::StatusOr<GramResult> ShardState::Gram(const std::string& table,
                                            const GramSelection& selection) {
  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot,
                          FindSlot(table, "GramPartial"));
  absl::ReaderMutexLock lock(&slot->mu);
  GramAccumulator gram(slot->table.dim());
  slot->table.AddToGram(selection, &gram);
  GramResult result;
  result.dim = gram.dim();
  result.full = gram.Full();
  result.row_sum = gram.RowSum();
  result.rows_summed = gram.rows();
  return result;
}

void ShardState::NoteWorkerClock(uint64_t worker_id, int64_t clock) {
  if (worker_id == 0) return;
  absl::MutexLock lock(&dedup_mu_);
  dedup_.OnClockAdvance(worker_id, clock);
}

absl::StatusOr<CheckpointResult> ShardState::Checkpoint(
    const std::string& directory, int64_t iteration,
    const std::vector<std::string>& tables) {
  if (directory.empty() || directory[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "Checkpoint: directory '", directory, "' is not an absolute path"));
  }
  if (iteration < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Checkpoint: iteration ", iteration, " is negative"));
  }
  absl::MutexLock checkpoint_lock(&checkpoint_mu_);
  std::vector<std::pair<std::string, std::shared_ptr<Slot>>> slots;
  if (tables.empty()) {
    absl::MutexLock lock(&tables_mu_);
    for (auto& [name, slot] : tables_) slots.emplace_back(name, slot);
  } else {
    for (const std::string& name : tables) {
      TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot,
                              FindSlot(name, "Checkpoint"));
      slots.emplace_back(name, slot);
    }
  }
  std::sort(slots.begin(), slots.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const ClockSnapshot clocks = clocks_.Snapshot();
  ShardCheckpointInfo info;
  info.shard_index = options_.shard_index;
  info.num_shards = options_.num_shards;
  info.iteration = iteration;
  info.clock = clocks.min_clock;
  info.num_workers = clocks.num_workers;
  TAILOR_ASSIGN_OR_RETURN(
      CheckpointWriter writer,
      CheckpointWriter::Begin(options_.fs, directory, info));
  for (auto& [name, slot] : slots) {
    TableCheckpoint t;
    {
      absl::ReaderMutexLock lock(&slot->mu);
      t.spec = slot->table.spec();
      t.version = slot->table.version();
      t.initial_accumulator = slot->table.initial_accumulator();
      slot->table.ExportSorted(&t.keys, &t.values, &t.accumulators);
    }
    TAILOR_RETURN_IF_ERROR(writer.AddTable(t));
  }
  CheckpointResult result;
  TAILOR_ASSIGN_OR_RETURN(result.path, writer.Commit());
  result.files = writer.files();
  result.rows = writer.rows();
  result.bytes = writer.bytes();
  return result;
}

absl::StatusOr<RestoreResult> ShardState::Restore(const std::string& directory,
                                                  int64_t iteration) {
  if (directory.empty() || directory[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "Restore: directory '", directory, "' is not an absolute path"));
  }
  if (iteration < -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Restore: iteration ", iteration, " is not >= -1"));
  }
  absl::MutexLock checkpoint_lock(&checkpoint_mu_);
  if (iteration == -1) {
    TAILOR_ASSIGN_OR_RETURN(
        iteration,
        NewestCompleteCheckpoint(options_.fs, directory, options_.num_shards));
  }
  TAILOR_ASSIGN_OR_RETURN(
      ShardCheckpointContents contents,
      ReadShardCheckpoint(options_.fs, directory, iteration,
                          options_.shard_index, options_.num_shards));
  absl::flat_hash_map<std::string, std::shared_ptr<Slot>> restored;
  RestoreResult result;
  result.iteration = iteration;
  result.clock = contents.info.clock;
  for (TableCheckpoint& t : contents.tables) {
    TAILOR_ASSIGN_OR_RETURN(
        std::unique_ptr<Table> table,
        Table::FromRows(t.spec, t.keys, t.values, t.accumulators,
                        t.initial_accumulator, t.version));
    result.tables.push_back(t.spec.name);
    result.rows += t.keys.size();
    restored.emplace(t.spec.name, std::make_shared<Slot>(std::move(table)));
    t = TableCheckpoint();  // free the copy early
  }
  {
    absl::MutexLock lock(&tables_mu_);
    tables_.swap(restored);
  }
  {
    absl::MutexLock lock(&dedup_mu_);
    dedup_.Clear();
  }
  clocks_.Reset(contents.info.clock, contents.info.num_workers);
  return result;
}

}  // namespace tailor
