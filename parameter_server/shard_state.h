#ifndef TAILOR_PARAMETER_SERVER_SHARD_STATE_H_
#define TAILOR_PARAMETER_SERVER_SHARD_STATE_H_

// Everything one parameter-server shard holds, with no gRPC: its tables (each
// behind its own reader/writer mutex), the push idempotency memory, the
// worker clocks and barriers, request statistics, and checkpoint / restore
// through a FileSystem. The gRPC service is a thin adapter over this class.
// Thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "parameter_server/checkpoint.h"
#include "parameter_server/clock_table.h"
#include "parameter_server/pending_push.h"
#include "parameter_server/push_dedup.h"
#include "parameter_server/server_stats.h"
#include "parameter_server/table.h"

namespace tailor {

struct ShardStateOptions {
  uint32_t shard_index = 0;
  uint32_t num_shards = 1;
  FileSystem* fs = nullptr;  // required; not owned
  Clock* clock = nullptr;    // null: RealClock()
  // A single Push buffering more payload bytes is RESOURCE_EXHAUSTED.
  uint64_t max_push_bytes = uint64_t{1} << 30;
};

struct TableInfo {
  TableSpec spec;
  int64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t version = 0;
};

struct PushResult {
  int64_t rows_applied = 0;
  int64_t rows_created = 0;
  bool already_applied = false;
  uint64_t table_version = 0;
};

struct GramResult {
  int dim = 0;
  std::vector<double> full;  // dim x dim, row-major
  std::vector<double> row_sum;
  int64_t rows_summed = 0;
};

struct CheckpointResult {
  std::string path;
  std::vector<CheckpointedFile> files;
  uint64_t rows = 0, bytes = 0;
};

struct RestoreResult {
  int64_t iteration = 0;
  std::vector<std::string> tables;
  uint64_t rows = 0;
  int64_t clock = 0;
};

class ShardState {
 public:
  // INVALID_ARGUMENT for a null fs or a bad shard identity.
  static absl::StatusOr<std::unique_ptr<ShardState>> Create(
      const ShardStateOptions& options);

  // Idempotent; *already_existed is set. ALREADY_EXISTS for another spec.
  absl::StatusOr<TableInfo> CreateTable(const TableSpec& spec,
                                        bool* already_existed);
  // NOT_FOUND (ERROR_REASON_TABLE_NOT_FOUND) for an unknown table.
  absl::StatusOr<TableInfo> GetTable(const std::string& name);
  std::vector<TableInfo> ListTables();

  // Rows of `keys` (validated by the caller) into out (keys.size() x dim);
  // *version is the table version read.
  absl::Status ReadRows(const std::string& table,
                        absl::Span<const uint64_t> keys, bool require_existing,
                        float* out, uint64_t* version);

  // Validates the header and starts buffering a Push.
  absl::StatusOr<std::unique_ptr<PendingPush>> BeginPush(
      const PushHeaderInfo& header);
  // Applies a complete push once per (worker_id, request_id).
  absl::StatusOr<PushResult> CommitPush(const PendingPush& push);
  // Keys must be validated (sorted, unique, at most the request limit).
  absl::StatusOr<GramResult> Gram(const std::string& table,
                                  const GramSelection& selection);
  // A worker (by id) advanced its clock; lets the push memory shrink.
  void NoteWorkerClock(uint64_t worker_id, int64_t clock);

  // Writes the tables (all when `tables` is empty) under `directory`.
  absl::StatusOr<CheckpointResult> Checkpoint(
      const std::string& directory, int64_t iteration,
      const std::vector<std::string>& tables);
  // iteration -1: newest complete. On any error the state is unchanged.
  absl::StatusOr<RestoreResult> Restore(const std::string& directory,
                                        int64_t iteration);

  ClockTable& clocks() { return clocks_; }
  ServerStats& stats() { return stats_; }
  const ShardStateOptions& options() const { return options_; }
  Clock* clock() const { return clock_; }

 private:
  struct Slot {
    explicit Slot(const TableSpec& spec) : table(spec) {}
    explicit Slot(std::unique_ptr<Table> t) : table(std::move(*t)) {}
    mutable absl::Mutex mu;
    Table table ABSL_GUARDED_BY(mu);
  };
  explicit ShardState(const ShardStateOptions& options);
  absl::StatusOr<std::shared_ptr<Slot>> FindSlot(const std::string& name,
                                                 absl::string_view rpc);

  const ShardStateOptions options_;
  Clock* const clock_;
  ClockTable clocks_;
  ServerStats stats_;
  absl::Mutex tables_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Slot>> tables_
      ABSL_GUARDED_BY(tables_mu_);
  absl::Mutex dedup_mu_;  // after a Slot's mu in lock order
  PushDedup dedup_ ABSL_GUARDED_BY(dedup_mu_);
  absl::Mutex checkpoint_mu_;  // one Checkpoint or Restore at a time
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_SHARD_STATE_H_
