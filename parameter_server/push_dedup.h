#ifndef TAILOR_PARAMETER_SERVER_PUSH_DEDUP_H_
#define TAILOR_PARAMETER_SERVER_PUSH_DEDUP_H_

// The push idempotency memory of a shard (PushHeader in
// parameter_server.proto): per worker_id, the request ids of applied pushes
// since that worker's previous clock advance, and at least the last
// kMinRemembered of them; at most kMaxRemembered per worker (oldest
// forgotten first) so a worker that never sends Clock cannot exhaust memory.
// Not thread-safe; ShardState guards it.

#include <cstdint>
#include <deque>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace tailor {

class PushDedup {
 public:
  static constexpr size_t kMinRemembered = 1024;
  static constexpr size_t kMaxRemembered = size_t{1} << 20;

  bool Contains(uint64_t worker_id, uint64_t request_id) const;
  void Record(uint64_t worker_id, uint64_t request_id);
  // The worker (Clock with worker_id) moved to `clock`; ids recorded before
  // its previous advance may be forgotten.
  void OnClockAdvance(uint64_t worker_id, int64_t clock);
  void Clear() { workers_.clear(); }
  // Ids remembered for `worker_id`.
  size_t Remembered(uint64_t worker_id) const;

 private:
  struct Worker {
    int64_t clock = 0;           // latest clock of the worker
    int64_t previous_clock = 0;  // clock before its latest advance
    std::deque<std::pair<uint64_t, int64_t>> order;  // (id, clock at record)
    absl::flat_hash_set<uint64_t> ids;
  };
  void Trim(Worker& w);

  absl::flat_hash_map<uint64_t, Worker> workers_;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_PUSH_DEDUP_H_
