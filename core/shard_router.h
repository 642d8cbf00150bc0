#ifndef TAILOR_CORE_SHARD_ROUTER_H_
#define TAILOR_CORE_SHARD_ROUTER_H_

// Which parameter-server shard owns a key: the one routing function shared
// by every client, so no two components can disagree. The key is mixed with
// the splitmix64 finalizer and then placed by jump consistent hash (Lamport
// and Veach, 2014), so growing from n to n + 1 shards moves only about
// 1/(n + 1) of the keys, all of them to the new shard. docs/keys.md fixes
// the function exactly.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tailor {

// A small immutable value; thread-safe.
class ShardRouter {
 public:
  // INVALID_ARGUMENT unless 1 <= num_shards <= kMaxShards.
  static absl::StatusOr<ShardRouter> Create(int num_shards);
  static constexpr int kMaxShards = 1 << 20;

  int num_shards() const { return num_shards_; }

  // The shard in [0, num_shards) that owns `key`.
  int ShardOf(uint64_t key) const;

  // Splits a key batch into num_shards() batches (some possibly empty), each
  // keeping the input order, so a sorted unique batch yields sorted unique
  // per-shard batches. Element s holds the keys of shard s.
  std::vector<std::vector<uint64_t>> Split(
      absl::Span<const uint64_t> keys) const;

 private:
  explicit ShardRouter(int num_shards) : num_shards_(num_shards) {}

  int num_shards_;
};

// The pieces, exposed for tests and documentation.
uint64_t SplitMix64Finalize(uint64_t x);
int32_t JumpConsistentHash(uint64_t key, int32_t num_buckets);

}  // namespace tailor

#endif  // TAILOR_CORE_SHARD_ROUTER_H_
