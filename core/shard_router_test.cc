#include "core/shard_router.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ShardRouter Router(int n) {
  absl::StatusOr<ShardRouter> r = ShardRouter::Create(n);
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

TEST(ShardRouterTest, CreateRejectsNonPositiveAndHugeCounts) {
  EXPECT_THAT(ShardRouter::Create(0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("number of shards must be in [1, 1048576], "
                                 "got 0")));
  EXPECT_THAT(ShardRouter::Create(-3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ShardRouter::Create(ShardRouter::kMaxShards + 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ShardRouter::Create(1), IsOk());
  EXPECT_EQ(Router(7).num_shards(), 7);
}

// The documented examples of docs/keys.md: changing the function breaks
// every deployment, so these values are frozen.
TEST(ShardRouterTest, MatchesDocumentedExamples) {
  struct Row {
    uint64_t key;
    uint64_t mixed;
    int shard_of_4, shard_of_8, shard_of_16, shard_of_100;
  };
  const Row rows[] = {
      {0x0, 0x0, 0, 0, 0, 0},
      {0x1, 0x5692161d100b05e5ULL, 0, 0, 9, 41},
      {0x2, 0xdbd238973a2b148aULL, 3, 7, 13, 13},
      {0x6aa366addc26f8c6ULL, 0x91b24ed8cb3e9bfdULL, 3, 5, 14, 14},
      {0xd239d57c2a6c36bbULL, 0x85dbd1351f4c48deULL, 0, 7, 10, 89},
      {0xffffffffffffffffULL, 0xb4d055fcf2cbbd7bULL, 3, 3, 3, 60},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(testing::Message() << "key 0x" << std::hex << r.key);
    EXPECT_EQ(SplitMix64Finalize(r.key), r.mixed);
    EXPECT_EQ(Router(4).ShardOf(r.key), r.shard_of_4);
    EXPECT_EQ(Router(8).ShardOf(r.key), r.shard_of_8);
    EXPECT_EQ(Router(16).ShardOf(r.key), r.shard_of_16);
    EXPECT_EQ(Router(100).ShardOf(r.key), r.shard_of_100);
  }
  EXPECT_EQ(Router(3).ShardOf(2), 2);
}

TEST(ShardRouterTest, IsDeterministicAcrossInstancesAndInRange) {
  const ShardRouter a = Router(13);
  const ShardRouter b = Router(13);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t key = rng();
    const int shard = a.ShardOf(key);
    ASSERT_EQ(shard, b.ShardOf(key));
    ASSERT_GE(shard, 0);
    ASSERT_LT(shard, 13);
  }
}

TEST(ShardRouterTest, OneShardOwnsEverything) {
  const ShardRouter r = Router(1);
  for (uint64_t key : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}}) {
    EXPECT_EQ(r.ShardOf(key), 0);
  }
}

// Sequential keys (not pre-hashed) and random keys both balance, thanks to
// the mixing step.
TEST(ShardRouterTest, BalancesOneMillionKeysWithinThreePercent) {
  constexpr int kKeys = 1000000;
  std::mt19937_64 rng(9);
  for (int shards : {2, 7, 16, 50}) {
    const ShardRouter r = Router(shards);
    std::vector<int> sequential(shards), random(shards);
    for (int i = 0; i < kKeys; ++i) {
      ++sequential[r.ShardOf(static_cast<uint64_t>(i))];
      ++random[r.ShardOf(rng())];
    }
    const double expected = static_cast<double>(kKeys) / shards;
    for (int s = 0; s < shards; ++s) {
      EXPECT_NEAR(sequential[s], expected, 0.03 * expected)
          << "shard " << s << " of " << shards;
      EXPECT_NEAR(random[s], expected, 0.03 * expected)
          << "shard " << s << " of " << shards;
    }
  }
}

TEST(ShardRouterTest, AddingAShardMovesAboutOneOverNPlusOneToTheNewShard) {
  constexpr int kKeys = 1000000;
  for (int n : {1, 2, 5, 10, 31}) {
    const ShardRouter before = Router(n);
    const ShardRouter after = Router(n + 1);
    int moved = 0;
    for (int i = 0; i < kKeys; ++i) {
      const uint64_t key = static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL;
      const int from = before.ShardOf(key);
      const int to = after.ShardOf(key);
      if (from != to) {
        ++moved;
        ASSERT_EQ(to, n) << "a moved key must land on the new shard";
      }
    }
    const double fraction = static_cast<double>(moved) / kKeys;
    EXPECT_NEAR(fraction, 1.0 / (n + 1), 0.05 / (n + 1)) << "n = " << n;
  }
}

TEST(ShardRouterTest, SplitPreservesOrderAndAssignsEveryKey) {
  const ShardRouter r = Router(5);
  std::vector<uint64_t> keys;
  for (uint64_t k = 100; k < 1100; k += 3) keys.push_back(k);
  const std::vector<std::vector<uint64_t>> split = r.Split(keys);
  ASSERT_EQ(split.size(), 5u);
  size_t total = 0;
  for (int s = 0; s < 5; ++s) {
    total += split[s].size();
    EXPECT_TRUE(std::is_sorted(split[s].begin(), split[s].end()));
    EXPECT_TRUE(std::adjacent_find(split[s].begin(), split[s].end()) ==
                split[s].end());
    for (uint64_t k : split[s]) EXPECT_EQ(r.ShardOf(k), s);
  }
  EXPECT_EQ(total, keys.size());
  // Walking the input with per-shard cursors reproduces it.
  std::vector<size_t> cursor(5, 0);
  for (uint64_t k : keys) {
    const int s = r.ShardOf(k);
    ASSERT_LT(cursor[s], split[s].size());
    EXPECT_EQ(split[s][cursor[s]++], k);
  }
}

TEST(ShardRouterTest, SplitOfEmptyBatchGivesEmptyBatches) {
  const std::vector<std::vector<uint64_t>> split = Router(3).Split({});
  EXPECT_THAT(split, ElementsAre(testing::IsEmpty(), testing::IsEmpty(),
                                 testing::IsEmpty()));
  const std::vector<uint64_t> keys = {4, 8, 15};
  EXPECT_THAT(Router(1).Split(keys), ElementsAre(ElementsAre(4, 8, 15)));
}

}  // namespace
}  // namespace tailor
