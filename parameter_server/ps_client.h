#ifndef TAILOR_PARAMETER_SERVER_PS_CLIENT_H_
#define TAILOR_PARAMETER_SERVER_PS_CLIENT_H_

// PsClient: how workers and the coordinator talk to the parameter-server
// shards. One channel per shard, created once and reused. Keys are routed
// with ShardRouter, requests are split to respect the wire limits (chunks of
// at most 1 MiB, at most 131072 keys per request), all shards are called in
// parallel, and results come back in the caller's order. Every call has a
// deadline; UNAVAILABLE and DEADLINE_EXCEEDED are retried with exponential
// backoff (a Push keeps its request id, so it is applied once). Errors name
// the RPC, the shard and its address. Thread-safe; gRPC stays out of this
// header. Batch conventions: keys sorted strictly ascending, rows row-major
// keys.size() x dim.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "grpcpp/security/credentials.h"
#include "parameter_server/ps_types.h"

namespace tailor {

struct PsClientOptions {
  std::vector<std::string> shard_addresses;  // "host:port", index = shard
  uint64_t worker_id = 0;                    // required (non-zero) for Push
  uint64_t first_request_id = 0;             // 0: derived from the current time
  int64_t timeout_ms = 30000;  // deadline of each data RPC attempt
  // Deadline of calls that wait for other workers (Clock, Barrier, Pull or
  // Gram with min_clock); those are retried on UNAVAILABLE only.
  int64_t wait_timeout_ms = 600000;
  int max_attempts = 5;  // per RPC, including the first
  int64_t initial_backoff_ms = 50;
  int64_t max_backoff_ms = 2000;
  // Pushes above this payload are split into several Pushes.
  int64_t max_push_bytes = int64_t{64} << 20;
  // Channel credentials of every shard channel (docs/security.md); null:
  // plaintext (InsecureChannelCredentials), for in-process tests.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

struct PullOptions {
  std::optional<int64_t> min_clock;  // bounded staleness
  bool require_existing = false;     // NOT_FOUND for never-written keys
};

struct PushOptions {
  PushOp op = PushOp::kAssign;
  OptimizerConfig optimizer;  // for kOptimizerStep
  int64_t clock = 0;          // the worker's current clock
};

struct PushSummary {
  int64_t rows_applied = 0;
  int64_t rows_created = 0;
  int64_t requests = 0;                  // Push RPCs that succeeded
  int64_t requests_already_applied = 0;  // of those, acknowledged as repeats
};

struct GramOptions {
  std::optional<int64_t> min_clock;
  std::optional<std::pair<uint64_t, uint64_t>> key_range;  // [begin, end)
  // When set (sorted unique), exactly these rows; unwritten keys count with
  // their initial value. Otherwise every stored row (or the range).
  std::optional<std::vector<uint64_t>> keys;
  bool include_row_sum = false;
};

struct GramSum {
  int dim = 0;
  std::vector<double> gram;     // dim x dim, row-major, summed over shards
  std::vector<double> row_sum;  // when requested
  int64_t rows_summed = 0;
};

struct ClockResult {
  int64_t min_clock = 0;  // over shards
  int64_t max_clock = 0;
};

struct ShardStats {
  std::string address;
  uint32_t shard_index = 0, num_shards = 0;
  uint64_t rows = 0, bytes_in = 0, bytes_out = 0, uptime_ms = 0;
  int64_t min_clock = 0, max_clock = 0;
  struct Table {
    std::string name;
    uint32_t dim = 0;
    uint64_t rows = 0, bytes = 0, version = 0;
  };
  std::vector<Table> tables;
  struct Method {
    uint64_t requests = 0, errors = 0;
    double mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  };
  std::map<std::string, Method> methods;
};

class PsClient {
 public:
  // INVALID_ARGUMENT for no shards or bad options. Connects lazily.
  static absl::StatusOr<std::unique_ptr<PsClient>> Create(
      const PsClientOptions& options);
  virtual ~PsClient() = default;

  virtual int num_shards() const = 0;

  // Creates the table on every shard (idempotent).
  virtual absl::Status CreateTable(const TableSpec& spec) = 0;
  // Reads rows of `sorted_keys` into out_rows (keys.size() x dim).
  virtual absl::Status Pull(const std::string& table,
                            absl::Span<const uint64_t> sorted_keys,
                            absl::Span<float> out_rows,
                            const PullOptions& options = {}) = 0;
  // Writes rows (keys.size() x dim) with options.op; applied once per shard
  // request even when retried.
  virtual absl::StatusOr<PushSummary> Push(
      const std::string& table, absl::Span<const uint64_t> sorted_keys,
      absl::Span<const float> rows, const PushOptions& options) = 0;
  // Sum over shards of the Gram matrix (double), in shard order.
  virtual absl::StatusOr<GramSum> GramPartial(
      const std::string& table, const GramOptions& options = {}) = 0;
  // Advances slot `worker_index` to `clock` on every shard and waits for the
  // staleness bound (0 = barrier).
  virtual absl::StatusOr<ClockResult> Clock(uint32_t worker_index,
                                            uint32_t num_workers, int64_t clock,
                                            uint32_t staleness) = 0;
  // Named barrier on shard 0 (one place decides).
  virtual absl::Status Barrier(const std::string& name, int64_t generation,
                               uint32_t worker_index,
                               uint32_t participants) = 0;
  // Every shard checkpoints; returns the published shard directories.
  virtual absl::StatusOr<std::vector<std::string>> Checkpoint(
      const std::string& directory, int64_t iteration) = 0;
  // Every shard restores `iteration` (-1: newest complete); returns it.
  virtual absl::StatusOr<int64_t> Restore(const std::string& directory,
                                          int64_t iteration) = 0;
  virtual absl::StatusOr<std::vector<ShardStats>> Stats(bool reset = false) = 0;
  virtual absl::Status Shutdown(const std::string& reason,
                                uint32_t grace_period_ms) = 0;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_PS_CLIENT_H_
