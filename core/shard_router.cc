#include "core/shard_router.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tailor {

uint64_t SplitMix64Finalize(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Jump consistent hash as published by Lamport and Veach: a 64-bit LCG
// drives jumps to ever larger bucket numbers; the last one below
// `num_buckets` wins.
int32_t JumpConsistentHash(uint64_t key, int32_t num_buckets) {
  int64_t b = -1;
  int64_t j = 0;
  while (j < num_buckets) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<int64_t>(static_cast<double>(b + 1) *
                             (static_cast<double>(int64_t{1} << 31) /
                              static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<int32_t>(b);
}

absl::StatusOr<ShardRouter> ShardRouter::Create(int num_shards) {
  if (num_shards < 1 || num_shards > kMaxShards) {
    return absl::InvalidArgumentError(absl::StrCat(
        "number of shards must be in [1, ", kMaxShards, "], got ", num_shards));
  }
  return ShardRouter(num_shards);
}

int ShardRouter::ShardOf(uint64_t key) const {
  return JumpConsistentHash(SplitMix64Finalize(key), num_shards_);
}

std::vector<std::vector<uint64_t>> ShardRouter::Split(
    absl::Span<const uint64_t> keys) const {
  std::vector<std::vector<uint64_t>> out(num_shards_);
  if (num_shards_ == 1) {
    out[0].assign(keys.begin(), keys.end());
    return out;
  }
  for (std::vector<uint64_t>& batch : out) {
    batch.reserve(keys.size() / num_shards_ + keys.size() / (4 * num_shards_) +
                  8);
  }
  for (uint64_t key : keys) out[ShardOf(key)].push_back(key);
  return out;
}

}  // namespace tailor
