#include "ranker/scoring/item_scorer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

using ::testing::HasSubstr;

std::vector<uint64_t> Keys(int64_t n) {
  std::vector<uint64_t> keys(n);
  for (int64_t i = 0; i < n; ++i) keys[i] = 1000 + 3 * i;
  return keys;
}

// Small integers: every dot product is exact in float whatever the order of
// the additions, and scores tie often.
std::vector<float> IntegerValues(size_t n, std::mt19937* rng) {
  std::uniform_int_distribution<int> dist(-3, 3);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(dist(*rng));
  return v;
}

std::vector<float> GaussianValues(size_t n, std::mt19937* rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(*rng);
  return v;
}

// The oracle: every eligible item scored in double, fully sorted.
std::vector<ScoredItem> NaiveTopK(const std::vector<float>& rows, int dim,
                                  const std::vector<float>& query, int count,
                                  const ExclusionSet* excluded) {
  const int64_t n = static_cast<int64_t>(rows.size()) / dim;
  std::vector<ScoredItem> all;
  for (int64_t i = 0; i < n; ++i) {
    if (excluded != nullptr && excluded->Contains(i)) continue;
    double sum = 0;
    for (int j = 0; j < dim; ++j) sum += double{rows[i * dim + j]} * query[j];
    all.push_back({static_cast<int32_t>(i), static_cast<float>(sum)});
  }
  std::sort(all.begin(), all.end(), ScoredItemBefore);
  if (static_cast<int>(all.size()) > count) all.resize(count);
  return all;
}

ExclusionSet RandomExclusions(int64_t n, double share, std::mt19937* rng) {
  ExclusionSet set(n);
  std::bernoulli_distribution pick(share);
  for (int64_t i = 0; i < n; ++i) {
    if (pick(*rng)) set.Add(i);
  }
  return set;
}

void ExpectSame(const std::vector<ScoredItem>& got,
                const std::vector<ScoredItem>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].index, want[i].index) << what << " rank " << i;
    ASSERT_EQ(got[i].score, want[i].score) << what << " rank " << i;
  }
}

class ItemScorerModeTest : public ::testing::TestWithParam<bool> {
 protected:
  ItemScorerOptions Options() const {
    ItemScorerOptions options;
    options.int8 = GetParam();
    options.rescore = 400;
    return options;
  }
};

// Integer data: the float scan must equal the oracle exactly (scores, ties
// broken by lower index, exclusions, counts above the eligible number). In
// int8 mode the re-score makes the scores exact and, with rescore 400 above
// n <= 390, every item is a re-scored candidate, so the result is exact too.
TEST_P(ItemScorerModeTest, EqualsNaiveOracleOnIntegerDataWithTies) {
  std::mt19937 rng(21);
  for (int dim : {1, 3, 8, 13, 64}) {
    for (int64_t n : {1, 7, 8, 9, 100, 390}) {
      const std::vector<float> rows = IntegerValues(n * dim, &rng);
      TAILOR_ASSERT_OK_AND_ASSIGN(
          auto scorer, ItemScorer::Create(Keys(n), rows, dim, Options()));
      for (int count : {0, 1, 5, 100, static_cast<int>(n) + 3}) {
        for (double share : {0.0, 0.3, 1.0}) {
          const std::vector<float> query = IntegerValues(dim, &rng);
          const ExclusionSet excluded = RandomExclusions(n, share, &rng);
          const ExclusionSet* ex = share > 0 ? &excluded : nullptr;
          std::vector<ScoredItem> got;
          ASSERT_THAT(scorer->TopK(query, count, ex, {}, &got), IsOk());
          ExpectSame(got, NaiveTopK(rows, dim, query, count, ex),
                     absl::StrCat("dim ", dim, " n ", n, " count ", count,
                                  " share ", share));
        }
      }
    }
  }
}

// Gaussian data at a size where the scan runs several blocks: the result is
// a valid top-k of the oracle (float sums differ from double sums in the
// last bits, so near-ties may swap; nothing else may differ).
TEST(ItemScorerTest, FloatScanIsExactTopKOnGaussianData) {
  std::mt19937 rng(22);
  const int dim = 64;
  const int64_t n = 20011;
  const std::vector<float> rows = GaussianValues(n * dim, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto scorer,
                              ItemScorer::Create(Keys(n), rows, dim));
  for (int count : {1, 10, 100, 1000}) {
    const std::vector<float> query = GaussianValues(dim, &rng);
    const ExclusionSet excluded = RandomExclusions(n, 0.1, &rng);
    std::vector<ScoredItem> got;
    ASSERT_THAT(scorer->TopK(query, count, &excluded, {}, &got), IsOk());
    const std::vector<ScoredItem> want =
        NaiveTopK(rows, dim, query, n, &excluded);  // all, sorted
    ASSERT_EQ(got.size(), static_cast<size_t>(count));
    std::vector<float> exact(n);
    for (const ScoredItem& item : want) exact[item.index] = item.score;
    const float eps = 1e-4f;
    for (int i = 0; i < count; ++i) {
      EXPECT_FALSE(excluded.Contains(got[i].index));
      EXPECT_NEAR(got[i].score, exact[got[i].index], eps);
      if (i > 0) {
        EXPECT_TRUE(ScoredItemBefore(got[i - 1], got[i]));
      }
      // The i-th result is as good as the oracle's i-th, up to rounding.
      EXPECT_GE(got[i].score, want[i].score - eps);
    }
  }
}

TEST_P(ItemScorerModeTest, BatchEqualsSingleQueries) {
  std::mt19937 rng(23);
  const int dim = 24;
  const int64_t n = 3001;
  const std::vector<float> rows = GaussianValues(n * dim, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto scorer, ItemScorer::Create(Keys(n), rows, dim, Options()));
  std::vector<std::vector<float>> vectors;
  std::vector<ExclusionSet> exclusions;
  for (int i = 0; i < 11; ++i) {
    vectors.push_back(GaussianValues(dim, &rng));
    exclusions.push_back(RandomExclusions(n, 0.05 * i, &rng));
  }
  std::vector<TopKQuery> queries;
  for (int i = 0; i < 11; ++i) {
    queries.push_back(
        {vectors[i], 7 * i, i % 3 == 0 ? nullptr : &exclusions[i]});
  }
  std::vector<std::vector<ScoredItem>> batch;
  ASSERT_THAT(scorer->TopKBatch(queries, &batch), IsOk());
  ASSERT_EQ(batch.size(), queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    std::vector<ScoredItem> single;
    ASSERT_THAT(scorer->TopK(queries[i].vector, queries[i].count,
                             queries[i].excluded, {}, &single),
                IsOk());
    ExpectSame(batch[i], single, absl::StrCat("query ", i));
  }
}

TEST_P(ItemScorerModeTest, ExcludedItemsNeverAppear) {
  std::mt19937 rng(24);
  const int dim = 16;
  const int64_t n = 1000;
  const std::vector<float> rows = GaussianValues(n * dim, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto scorer, ItemScorer::Create(Keys(n), rows, dim, Options()));
  const std::vector<float> query = GaussianValues(dim, &rng);
  // Exclude the unfiltered top 50 and every odd index.
  std::vector<ScoredItem> top;
  ASSERT_THAT(scorer->TopK(query, 50, nullptr, {}, &top), IsOk());
  ExclusionSet excluded(n);
  for (const ScoredItem& item : top) excluded.Add(item.index);
  for (int64_t i = 1; i < n; i += 2) excluded.Add(i);
  std::vector<ScoredItem> got;
  ASSERT_THAT(scorer->TopK(query, static_cast<int>(n), &excluded, {}, &got),
              IsOk());
  EXPECT_EQ(static_cast<int64_t>(got.size()), n - excluded.size());
  for (const ScoredItem& item : got) {
    EXPECT_FALSE(excluded.Contains(item.index)) << item.index;
  }
  // Everything excluded: an empty result, not an error.
  ExclusionSet everything(n);
  for (int64_t i = 0; i < n; ++i) everything.Add(i);
  ASSERT_THAT(scorer->TopK(query, 10, &everything, {}, &got), IsOk());
  EXPECT_TRUE(got.empty());
}

TEST_P(ItemScorerModeTest, RestrictToScoresOnlyThoseOnceEach) {
  std::mt19937 rng(25);
  const int dim = 8;
  const int64_t n = 500;
  const std::vector<float> rows = IntegerValues(n * dim, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto scorer, ItemScorer::Create(Keys(n), rows, dim, Options()));
  const std::vector<float> query = IntegerValues(dim, &rng);
  ExclusionSet excluded(n);
  excluded.Add(40);
  const std::vector<int32_t> candidates = {40, 7, 300, 7, 499, 0, 300};
  std::vector<ScoredItem> got;
  ASSERT_THAT(scorer->TopK(query, 10, &excluded, candidates, &got), IsOk());
  ExclusionSet others(n);
  const std::set<int32_t> allowed = {7, 300, 499, 0};
  for (int64_t i = 0; i < n; ++i) {
    if (!allowed.count(i)) others.Add(i);
  }
  ExpectSame(got, NaiveTopK(rows, dim, query, 10, &others), "restrict_to");
  EXPECT_THAT(scorer->TopK(query, 10, nullptr, {3, 500}, &got),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("500")));
}

INSTANTIATE_TEST_SUITE_P(FloatAndInt8, ItemScorerModeTest,
                         ::testing::Values(false, true), [](const auto& info) {
                           return info.param ? "Int8" : "Float";
                         });

// The oracle of the int8 exact-bound mode: every eligible item re-scored by
// ScoreIndices (the float dot product the re-score uses), sorted.
std::vector<ScoredItem> RescoredOracle(const ItemScorer& scorer,
                                       const std::vector<float>& query,
                                       int count, const ExclusionSet* ex) {
  std::vector<int32_t> all;
  for (int32_t i = 0; i < scorer.items(); ++i) {
    if (ex == nullptr || !ex->Contains(i)) all.push_back(i);
  }
  std::vector<float> scores;
  EXPECT_THAT(scorer.ScoreIndices(query, all, &scores), IsOk());
  std::vector<ScoredItem> items;
  for (size_t i = 0; i < all.size(); ++i) items.push_back({all[i], scores[i]});
  std::sort(items.begin(), items.end(), ScoredItemBefore);
  if (static_cast<int>(items.size()) > count) items.resize(count);
  return items;
}

// int8 with the error bound (the default): the candidates that cannot be
// ruled out are re-scored, so the result is exactly the top count of the
// re-scored float dot products: same items, order and scores. Also with
// rows of very different scales and an outlier column (coarse quantization)
// and a query with one dominant value.
TEST(ItemScorerTest, Int8ExactBoundEqualsRescoredOracle) {
  std::mt19937 rng(31);
  for (int dim : {13, 64}) {
    const int64_t n = 20011;
    std::vector<float> rows = GaussianValues(n * dim, &rng);
    std::uniform_real_distribution<float> scale(0.1f, 3.0f);
    for (int64_t i = 0; i < n; ++i) {
      const float s = scale(rng);
      for (int j = 0; j < dim; ++j) rows[i * dim + j] *= s;
      if (i % 7 == 0) rows[i * dim + (i % dim)] *= 20;
    }
    ItemScorerOptions options;
    options.int8 = true;
    TAILOR_ASSERT_OK_AND_ASSIGN(
        auto scorer, ItemScorer::Create(Keys(n), rows, dim, options));
    for (int count : {1, 10, 100, 1000}) {
      for (int variant = 0; variant < 2; ++variant) {
        std::vector<float> query = GaussianValues(dim, &rng);
        if (variant == 1) query[3] = 40;
        const ExclusionSet excluded = RandomExclusions(n, 0.1, &rng);
        std::vector<ScoredItem> got;
        ASSERT_THAT(scorer->TopK(query, count, &excluded, {}, &got), IsOk());
        ExpectSame(
            got, RescoredOracle(*scorer, query, count, &excluded),
            absl::StrCat("dim ", dim, " count ", count, " variant ", variant));
      }
    }
  }
}

// A scan split over threads (scan_threads, here from 1,000 items on) gives
// the single-thread results exactly, for TopK and TopKBatch, float and int8.
TEST(ItemScorerTest, ScanThreadsGiveTheSingleThreadResults) {
  std::mt19937 rng(32);
  const int dim = 24;
  const int64_t n = 12007;
  const std::vector<float> rows = GaussianValues(n * dim, &rng);
  for (bool int8 : {false, true}) {
    ItemScorerOptions one;
    one.int8 = int8;
    TAILOR_ASSERT_OK_AND_ASSIGN(auto single,
                                ItemScorer::Create(Keys(n), rows, dim, one));
    for (int threads : {2, 3}) {
      ItemScorerOptions split = one;
      split.scan_threads = threads;
      split.parallel_min_items = 1000;
      TAILOR_ASSERT_OK_AND_ASSIGN(
          auto parallel, ItemScorer::Create(Keys(n), rows, dim, split));
      std::vector<std::vector<float>> vectors;
      std::vector<ExclusionSet> exclusions;
      for (int q = 0; q < 6; ++q) {
        vectors.push_back(GaussianValues(dim, &rng));
        exclusions.push_back(RandomExclusions(n, 0.2, &rng));
      }
      std::vector<TopKQuery> batch;
      for (int q = 0; q < 6; ++q) {
        const int count = q == 0 ? 0 : 37 * q;
        batch.push_back({vectors[q], count, q % 2 ? &exclusions[q] : nullptr});
        std::vector<ScoredItem> got, want;
        ASSERT_THAT(
            parallel->TopK(vectors[q], count, batch.back().excluded, {}, &got),
            IsOk());
        ASSERT_THAT(
            single->TopK(vectors[q], count, batch.back().excluded, {}, &want),
            IsOk());
        ExpectSame(
            got, want,
            absl::StrCat("int8 ", int8, " threads ", threads, " query ", q));
      }
      std::vector<std::vector<ScoredItem>> got, want;
      ASSERT_THAT(parallel->TopKBatch(batch, &got), IsOk());
      ASSERT_THAT(single->TopKBatch(batch, &want), IsOk());
      ASSERT_EQ(got.size(), want.size());
      for (size_t q = 0; q < got.size(); ++q) {
        ExpectSame(got[q], want[q], absl::StrCat("batch query ", q));
      }
    }
  }
}

// int8 scan + exact re-score of the default top 200 finds >= 99% of the
// exact top 100 on Gaussian factors (the bench checks the same at 1,000,000
// items).
TEST(ItemScorerTest, Int8RecallAt100IsAtLeast099) {
  std::mt19937 rng(26);
  const int dim = 64;
  const int64_t n = 50000;
  const std::vector<float> rows = GaussianValues(n * dim, &rng);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto exact,
                              ItemScorer::Create(Keys(n), rows, dim));
  ItemScorerOptions int8_options;
  int8_options.int8 = true;
  int8_options.int8_exact = false;  // the fixed re-score count
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto approx, ItemScorer::Create(Keys(n), rows, dim, int8_options));
  int64_t found = 0, total = 0;
  for (int q = 0; q < 20; ++q) {
    const std::vector<float> query = GaussianValues(dim, &rng);
    std::vector<ScoredItem> want, got;
    ASSERT_THAT(exact->TopK(query, 100, nullptr, {}, &want), IsOk());
    ASSERT_THAT(approx->TopK(query, 100, nullptr, {}, &got), IsOk());
    std::set<int32_t> truth;
    for (const ScoredItem& item : want) truth.insert(item.index);
    for (const ScoredItem& item : got) found += truth.count(item.index);
    total += 100;
    // Re-scored: every returned score is the exact one.
    for (const ScoredItem& item : got) {
      std::vector<float> score;
      ASSERT_THAT(approx->ScoreIndices(query, {item.index}, &score), IsOk());
      EXPECT_EQ(item.score, score[0]);
    }
  }
  const double recall = static_cast<double>(found) / total;
  EXPECT_GE(recall, 0.99);
  std::printf("int8 recall@100 at %lld items: %.4f\n",
              static_cast<long long>(n), recall);
}

TEST(ItemScorerTest, CreateRejectsBadInputNamingIt) {
  const std::vector<float> rows = {1, 2, 3, 4};
  EXPECT_THAT(ItemScorer::Create({5, 5}, rows, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("strictly ascending")));
  EXPECT_THAT(ItemScorer::Create({1, 2, 3}, rows, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dim 2")));
  EXPECT_THAT(ItemScorer::Create({1, 2}, rows, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dim")));
  const std::vector<float> nan_rows = {1, 2, 3, std::nanf("")};
  EXPECT_THAT(ItemScorer::Create({1, 2}, nan_rows, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("row 1 column 1")));
  ItemScorerOptions bad;
  bad.scan_threads = 0;
  EXPECT_THAT(
      ItemScorer::Create({1, 2}, rows, 2, bad),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scan_threads")));
  bad.scan_threads = 1;
  bad.rescore = -1;
  EXPECT_THAT(
      ItemScorer::Create({1, 2}, rows, 2, bad),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rescore")));
  // No items is valid: every query returns nothing.
  TAILOR_ASSERT_OK_AND_ASSIGN(auto empty, ItemScorer::Create({}, {}, 2));
  std::vector<ScoredItem> got = {{1, 1.0f}};
  EXPECT_THAT(empty->TopK({1.0f, 1.0f}, 5, nullptr, {}, &got), IsOk());
  EXPECT_TRUE(got.empty());
}

TEST(ItemScorerTest, TopKRejectsBadQueries) {
  TAILOR_ASSERT_OK_AND_ASSIGN(auto scorer,
                              ItemScorer::Create({1, 2}, {1, 2, 3, 4}, 2));
  std::vector<ScoredItem> out;
  EXPECT_THAT(scorer->TopK({1.0f}, 1, nullptr, {}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dim 2")));
  EXPECT_THAT(
      scorer->TopK({1.0f, std::numeric_limits<float>::infinity()}, 1, nullptr,
                   {}, &out),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("column 1")));
  EXPECT_THAT(scorer->TopK({1.0f, 1.0f}, -1, nullptr, {}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("count")));
  ExclusionSet wrong_size(3);
  EXPECT_THAT(
      scorer->TopK({1.0f, 1.0f}, 1, &wrong_size, {}, &out),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exclusion set")));
  std::vector<std::vector<ScoredItem>> batch;
  const std::vector<float> good = {1.0f, 1.0f}, bad = {1.0f};
  EXPECT_THAT(
      scorer->TopKBatch({{good, 1, nullptr}, {bad, 1, nullptr}}, &batch),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch query 1")));
}

TEST(ItemScorerTest, KeysRowsAndScores) {
  const std::vector<float> rows = {1, 2, 3, 4, 5, 6};
  TAILOR_ASSERT_OK_AND_ASSIGN(auto scorer,
                              ItemScorer::Create({10, 20, 30}, rows, 2));
  EXPECT_EQ(scorer->items(), 3);
  EXPECT_EQ(scorer->dim(), 2);
  EXPECT_EQ(scorer->IndexOf(20), 1);
  EXPECT_EQ(scorer->IndexOf(25), -1);
  EXPECT_EQ(scorer->IndexOf(99), -1);
  EXPECT_EQ(scorer->key(2), 30u);
  std::vector<float> row(2);
  scorer->CopyRow(2, absl::MakeSpan(row));
  EXPECT_EQ(row, (std::vector<float>{5, 6}));
  std::vector<float> scores;
  ASSERT_THAT(scorer->ScoreIndices({1.0f, -1.0f}, {2, 0}, &scores), IsOk());
  EXPECT_EQ(scores, (std::vector<float>{-1.0f, -1.0f}));
  EXPECT_THAT(scorer->ScoreIndices({1.0f, -1.0f}, {3}, &scores),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_GE(scorer->MemoryBytes(), static_cast<int64_t>(6 * sizeof(float)));
}

}  // namespace
}  // namespace tailor::ranker
