#include "trainer/eval/evaluate.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::MakeCsr;

// Three users, six items. Test: user 0 {1, 3}; user 1 nothing; user 2 {0}.
// Train counts per item: 3, 2, 1, 0, 0, 1.
// Lists (k = 3): user 0 [1 2 3]; user 1 [0 1 2]; user 2 [4 5 -].
class EvaluateTopKTest : public ::testing::Test {
 protected:
  EvaluateTopKTest() {
    test_ = MakeCsr(3, 6, {{0, 1, 1}, {0, 3, 1}, {2, 0, 1}});
    train_ = MakeCsr(3, 6,
                     {{0, 0, 1},
                      {1, 0, 1},
                      {1, 1, 1},
                      {1, 2, 1},
                      {2, 0, 1},
                      {2, 1, 1},
                      {2, 5, 1}});
    lists_.k = 3;
    lists_.num_items = 6;
    lists_.users = {0, 1, 2};
    lists_.items = {1, 2, 3, 0, 1, 2, 4, 5, kNoItem};
    lists_.scores.assign(9, 0.0f);
  }
  CsrMatrix test_, train_;
  TopKLists lists_;
};

// At k = 3, user 0 hits at ranks 1 and 3, user 2 has no hit, user 1 is
// skipped (no test items). Means over 2 users:
//   precision = (2/3 + 0) / 2 = 1/3; recall = (2/2 + 0) / 2 = 0.5
//   AP(user 0) = (1/1 + 2/3) / 2 = 5/6 -> map = 5/12
//   nDCG(user 0) = (1 + 1/log2 4) / (1 + 1/log2 3) = 1.5 / 1.6309298
//     = 0.9197208 -> ndcg = 0.4598604; hit_rate = 0.5
//   coverage: {1 2 3} u {4 5} = 5 of 6 items
//   avg popularity: counts of 1 2 3 4 5 = 2+1+0+0+1 = 4 over 5 slots = 0.8
//   percentiles (sorted counts 0 0 1 1 2 3, N = 6): item 1: 4.5/6, items 2 and
//   5: (2 + 1)/6, items 3 and 4: 1/6 -> (0.75 + .5 + 1/6 + 1/6 + .5)/5 = 5/12
// At k = 1: user 0 [1] hits: precision 1, recall 1/2, AP 1/2, capped AP 1/1,
//   nDCG 1; user 2 [4] misses -> 0.5, 0.25, 0.25, 0.5, 0.5; coverage 2/6.
TEST_F(EvaluateTopKTest, HandComputed) {
  TopKEvalOptions options;
  options.ks = {3, 1};
  options.train = &train_;
  absl::StatusOr<EvalResult> r = EvaluateTopK(lists_, test_, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->users_evaluated, 2);
  EXPECT_EQ(r->users_without_test_items, 1);
  EXPECT_EQ(r->users_without_list, 0);
  const auto& m = r->metrics;
  EXPECT_NEAR(m.at("precision@3"), 1.0 / 3, 1e-12);
  EXPECT_NEAR(m.at("recall@3"), 0.5, 1e-12);
  EXPECT_NEAR(m.at("map@3"), 5.0 / 12, 1e-12);
  EXPECT_NEAR(m.at("ndcg@3"), 0.4598604, 1e-6);
  EXPECT_NEAR(m.at("hit_rate@3"), 0.5, 1e-12);
  EXPECT_NEAR(m.at("coverage@3"), 5.0 / 6, 1e-12);
  EXPECT_NEAR(m.at("avg_popularity@3"), 0.8, 1e-12);
  EXPECT_NEAR(m.at("popularity_percentile@3"), 5.0 / 12, 1e-12);
  EXPECT_NEAR(m.at("precision@1"), 0.5, 1e-12);
  EXPECT_NEAR(m.at("recall@1"), 0.25, 1e-12);
  EXPECT_NEAR(m.at("map@1"), 0.25, 1e-12);
  EXPECT_NEAR(m.at("map_capped@1"), 0.5, 1e-12);
  EXPECT_NEAR(m.at("ndcg@1"), 0.5, 1e-12);
  EXPECT_NEAR(m.at("coverage@1"), 2.0 / 6, 1e-12);
}

// Strong generalization divides by min(k, |held out|): at k = 1 user 0's
// recall is 1/min(1, 2) = 1 -> mean 0.5.
TEST_F(EvaluateTopKTest, CappedRecall) {
  TopKEvalOptions options;
  options.ks = {1};
  options.recall = RecallDenominator::kMinKAndRelevant;
  absl::StatusOr<EvalResult> r = EvaluateTopK(lists_, test_, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->metrics.at("recall@1"), 0.5, 1e-12);
  EXPECT_EQ(r->metrics.count("avg_popularity@1"), 0u);
}

TEST_F(EvaluateTopKTest, UserWithoutListIsCounted) {
  lists_.users = {0, 1};
  lists_.items.resize(6);
  lists_.scores.resize(6);
  TopKEvalOptions options;
  options.ks = {3};
  absl::StatusOr<EvalResult> r = EvaluateTopK(lists_, test_, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->users_evaluated, 1);
  EXPECT_EQ(r->users_without_list, 1);
}

TEST_F(EvaluateTopKTest, BadKIsAnError) {
  TopKEvalOptions options;
  options.ks = {0};
  EXPECT_FALSE(EvaluateTopK(lists_, test_, options).ok());
  options.ks = {4};  // longer than the lists
  EXPECT_FALSE(EvaluateTopK(lists_, test_, options).ok());
}

TEST_F(EvaluateTopKTest, EmptyTestSetIsAnError) {
  TopKEvalOptions options;
  options.ks = {3};
  absl::StatusOr<EvalResult> r =
      EvaluateTopK(lists_, MakeCsr(3, 6, {}), options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("empty"), std::string::npos);
}

// Predictions 2, 2, 5 for ratings 1, 2, 3: RMSE sqrt(5/3), MAE 1.
TEST(EvaluateRatingsTest, HandComputed) {
  const CsrMatrix test = MakeCsr(2, 3, {{0, 0, 1}, {0, 2, 2}, {1, 1, 3}});
  PairScorer scorer = [](absl::Span<const uint32_t> users,
                         absl::Span<const uint32_t> items,
                         absl::Span<float> out) {
    for (size_t i = 0; i < users.size(); ++i) {
      out[i] = (users[i] == 1) ? 5.0f : 2.0f;
    }
    return absl::OkStatus();
  };
  absl::StatusOr<EvalResult> r = EvaluateRatings(scorer, test, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->metrics.at("rmse"), std::sqrt(5.0 / 3), 1e-9);
  EXPECT_NEAR(r->metrics.at("mae"), 1.0, 1e-9);
}

// User 0: positive item 0 scores 0 (= item id), negatives 1 2 3 score higher
// -> rank 3. User 1: positive item 3, negatives 0 1 -> rank 0.
// HR@3 = (0 + 1)/2, NDCG@3 = (0 + 1)/2; HR@4 = 1, NDCG@4 = (1/log2(5) + 1)/2.
TEST(EvaluateLeaveOneOutTest, HandComputed) {
  const CsrMatrix test = MakeCsr(2, 4, {{0, 0, 1}, {1, 3, 1}});
  const CsrMatrix negatives =
      MakeCsr(2, 4, {{0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {1, 0, 1}, {1, 1, 1}});
  PairScorer scorer = [](absl::Span<const uint32_t>,
                         absl::Span<const uint32_t> items,
                         absl::Span<float> out) {
    for (size_t i = 0; i < items.size(); ++i) out[i] = items[i];
    return absl::OkStatus();
  };
  absl::StatusOr<EvalResult> r =
      EvaluateLeaveOneOut(scorer, test, negatives, {3, 4});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->metrics.at("hr@3"), 0.5);
  EXPECT_DOUBLE_EQ(r->metrics.at("ndcg@3"), 0.5);
  EXPECT_DOUBLE_EQ(r->metrics.at("hr@4"), 1.0);
  EXPECT_NEAR(r->metrics.at("ndcg@4"), (1 / std::log2(5.0) + 1) / 2, 1e-12);
}

TEST(EvaluateLeaveOneOutTest, TwoTestItemsIsAnError) {
  const CsrMatrix test = MakeCsr(1, 4, {{0, 0, 1}, {0, 1, 1}});
  const CsrMatrix negatives = MakeCsr(1, 4, {{0, 2, 1}});
  PairScorer scorer = [](absl::Span<const uint32_t>, absl::Span<const uint32_t>,
                         absl::Span<float>) { return absl::OkStatus(); };
  EXPECT_FALSE(EvaluateLeaveOneOut(scorer, test, negatives, {10}).ok());
}

TEST(PopularityPercentilesTest, MidRank) {
  // Sorted counts 0 0 1 1 2 3: see EvaluateTopKTest.
  const std::vector<double> p = PopularityPercentiles({3, 2, 1, 0, 0, 1});
  EXPECT_DOUBLE_EQ(p[0], 5.5 / 6);
  EXPECT_DOUBLE_EQ(p[1], 4.5 / 6);
  EXPECT_DOUBLE_EQ(p[2], 0.5);
  EXPECT_DOUBLE_EQ(p[3], 1.0 / 6);
}

}  // namespace
}  // namespace tailor
