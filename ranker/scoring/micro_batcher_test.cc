#include "ranker/scoring/micro_batcher.h"

#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const ItemScorer> RandomScorer(int64_t n, int dim, bool int8,
                                               std::mt19937* rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint64_t> keys(n);
  std::vector<float> rows(n * dim);
  for (int64_t i = 0; i < n; ++i) keys[i] = i;
  for (float& x : rows) x = normal(*rng);
  ItemScorerOptions options;
  options.int8 = int8;
  absl::StatusOr<std::unique_ptr<ItemScorer>> scorer =
      ItemScorer::Create(keys, rows, dim, options);
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return std::shared_ptr<const ItemScorer>(std::move(*scorer));
}

std::vector<float> RandomQuery(int dim, std::mt19937* rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> q(dim);
  for (float& x : q) x = normal(*rng);
  return q;
}

void ExpectSame(const std::vector<ScoredItem>& got,
                const std::vector<ScoredItem>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].index, want[i].index) << i;
    EXPECT_EQ(got[i].score, want[i].score) << i;
  }
}

// A batch runs as soon as it is full, so 8 concurrent callers with
// max_batch 8 and a long window form exactly one batch, and each gets what
// ItemScorer::TopK returns for its own query.
TEST(MicroBatcherTest, ConcurrentCallersShareOneBatchWithOwnResults) {
  std::mt19937 rng(31);
  const int dim = 32, kCallers = 8;
  auto scorer = RandomScorer(5000, dim, false, &rng);
  MicroBatcherOptions options;
  options.window_us = 60'000'000;  // never reached: the batch fills first
  options.max_batch = kCallers;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto batcher,
                              MicroBatcher::Create(scorer, options));
  std::vector<std::vector<float>> queries;
  std::vector<ExclusionSet> exclusions;
  for (int i = 0; i < kCallers; ++i) {
    queries.push_back(RandomQuery(dim, &rng));
    exclusions.emplace_back(scorer->items());
    for (int64_t j = i; j < scorer->items(); j += 3 + i) exclusions[i].Add(j);
  }
  std::vector<std::vector<ScoredItem>> results(kCallers);
  std::vector<absl::Status> statuses(kCallers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] =
          batcher->TopK(queries[i], 10 + i, &exclusions[i], &results[i]);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_THAT(statuses[i], IsOk());
    std::vector<ScoredItem> want;
    ASSERT_THAT(scorer->TopK(queries[i], 10 + i, &exclusions[i], {}, &want),
                IsOk());
    ExpectSame(results[i], want);
  }
  const MicroBatcher::Stats stats = batcher->stats();
  EXPECT_EQ(stats.batches, 1);
  EXPECT_EQ(stats.queries, kCallers);
  EXPECT_EQ(stats.largest_batch, kCallers);
}

TEST(MicroBatcherTest, ZeroWindowAndBatchOfOneRunEachQueryAlone) {
  std::mt19937 rng(32);
  auto scorer = RandomScorer(300, 8, true, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto batcher,
                              MicroBatcher::Create(scorer, {/*window_us=*/0,
                                                            /*max_batch=*/1}));
  for (int i = 0; i < 5; ++i) {
    const std::vector<float> q = RandomQuery(8, &rng);
    std::vector<ScoredItem> got, want;
    ASSERT_THAT(batcher->TopK(q, 20, nullptr, &got), IsOk());
    ASSERT_THAT(scorer->TopK(q, 20, nullptr, {}, &want), IsOk());
    ExpectSame(got, want);
  }
  EXPECT_EQ(batcher->stats().batches, 5);
  EXPECT_EQ(batcher->stats().largest_batch, 1);
}

// Many callers, many rounds, batches of every size: every answer is the
// caller's own.
TEST(MicroBatcherTest, StressEveryCallerGetsItsOwnAnswer) {
  std::mt19937 rng(33);
  const int dim = 16, kThreads = 6, kRounds = 40;
  auto scorer = RandomScorer(2000, dim, false, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto batcher,
                              MicroBatcher::Create(scorer, {/*window_us=*/100,
                                                            /*max_batch=*/4}));
  std::vector<std::vector<std::vector<float>>> queries(kThreads);
  for (auto& per_thread : queries) {
    for (int r = 0; r < kRounds; ++r)
      per_thread.push_back(RandomQuery(dim, &rng));
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        std::vector<ScoredItem> got, want;
        const int count = 1 + (t * kRounds + r) % 30;
        if (!batcher->TopK(queries[t][r], count, nullptr, &got).ok() ||
            !scorer->TopK(queries[t][r], count, nullptr, {}, &want).ok() ||
            got.size() != want.size()) {
          ++mismatches[t];
          continue;
        }
        for (size_t i = 0; i < want.size(); ++i) {
          if (got[i].index != want[i].index || got[i].score != want[i].score) {
            ++mismatches[t];
            break;
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << t;
  const MicroBatcher::Stats stats = batcher->stats();
  EXPECT_EQ(stats.queries, kThreads * kRounds);
  EXPECT_LE(stats.largest_batch, 4);
}

// One runner and a zero window: while a batch runs, callers gather in the
// open batch instead of starting scans of their own.
TEST(MicroBatcherTest, OneRunnerAtATimeAndEveryAnswerIsRight) {
  std::mt19937 rng(36);
  const int dim = 16, kThreads = 8, kRounds = 20;
  auto scorer = RandomScorer(20000, dim, true, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto batcher,
      MicroBatcher::Create(scorer, {/*window_us=*/0, /*max_batch=*/64,
                                    /*max_concurrent=*/1}));
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::vector<std::vector<float>>> queries(kThreads);
  for (auto& per_thread : queries) {
    for (int r = 0; r < kRounds; ++r) {
      per_thread.push_back(RandomQuery(dim, &rng));
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        std::vector<ScoredItem> got, want;
        if (!batcher->TopK(queries[t][r], 10, nullptr, &got).ok() ||
            !scorer->TopK(queries[t][r], 10, nullptr, {}, &want).ok() ||
            got.size() != want.size()) {
          ++mismatches[t];
          continue;
        }
        for (size_t i = 0; i < want.size(); ++i) {
          if (got[i].index != want[i].index) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << t;
  EXPECT_EQ(batcher->stats().queries, kThreads * kRounds);
}

TEST(MicroBatcherTest, BadQueryFailsAloneBeforeJoiningABatch) {
  std::mt19937 rng(34);
  auto scorer = RandomScorer(100, 4, false, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto batcher, MicroBatcher::Create(scorer, {}));
  std::vector<ScoredItem> out;
  EXPECT_THAT(batcher->TopK({1.0f, 2.0f}, 5, nullptr, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dim 4")));
  EXPECT_THAT(batcher->TopK({1, 2, 3, 4}, -2, nullptr, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("count")));
  EXPECT_EQ(batcher->stats().queries, 0);
}

TEST(MicroBatcherTest, CreateRejectsBadOptions) {
  std::mt19937 rng(35);
  auto scorer = RandomScorer(10, 4, false, &rng);
  EXPECT_THAT(MicroBatcher::Create(nullptr, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      MicroBatcher::Create(scorer, {-1, 4}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("window_us")));
  EXPECT_THAT(
      MicroBatcher::Create(scorer, {10, 0}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_batch")));
}

}  // namespace
}  // namespace tailor::ranker
