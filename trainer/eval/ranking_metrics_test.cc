#include "trainer/eval/ranking_metrics.h"

#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

// recommended [1 2 3 4 5], relevant {2 4 9}, k = 5: hits at ranks 2 and 4.
//   precision = 2/5 = 0.4; recall = 2/3; capped recall = 2/min(5,3) = 2/3
//   AP: precision at the hits = 1/2 and 2/4, sum 1.0, / 3 = 0.333333
//   DCG = 1/log2(3) + 1/log2(5) = 0.6309298 + 0.4306766 = 1.0616064
//   IDCG (3 hits) = 1 + 0.6309298 + 0.5 = 2.1309298; nDCG = 0.4981892
TEST(RankingMetricsTest, TwoHitsInFive) {
  const std::vector<uint32_t> recommended = {1, 2, 3, 4, 5};
  const std::vector<uint32_t> relevant = {2, 4, 9};
  const UserRankingMetrics m =
      ComputeUserRankingMetrics(recommended, relevant, 5);
  EXPECT_DOUBLE_EQ(m.precision, 0.4);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall_capped, 2.0 / 3);
  EXPECT_NEAR(m.average_precision, 1.0 / 3, 1e-12);
  EXPECT_NEAR(m.average_precision_capped, 1.0 / 3, 1e-12);
  EXPECT_NEAR(m.ndcg, 0.4981892, 1e-6);
  EXPECT_EQ(m.hit, 1.0);
}

// recommended [2 7 4], relevant {2 4 9}, k = 2: only [2 7] count, hit at 1.
//   precision 1/2; recall 1/3; capped recall 1/min(2,3) = 1/2
//   AP sum = 1/1; AP = 1/3; capped AP = 1/2
//   DCG = 1; IDCG (2 hits) = 1 + 0.6309298; nDCG = 0.6131472
TEST(RankingMetricsTest, OnlyFirstKCount) {
  const std::vector<uint32_t> recommended = {2, 7, 4};
  const std::vector<uint32_t> relevant = {2, 4, 9};
  const UserRankingMetrics m =
      ComputeUserRankingMetrics(recommended, relevant, 2);
  EXPECT_DOUBLE_EQ(m.precision, 0.5);
  EXPECT_DOUBLE_EQ(m.recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall_capped, 0.5);
  EXPECT_DOUBLE_EQ(m.average_precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.average_precision_capped, 0.5);
  EXPECT_NEAR(m.ndcg, 0.6131472, 1e-6);
}

// A list shorter than k still divides precision by k (Spark / MS).
TEST(RankingMetricsTest, ShortListPrecisionDividesByK) {
  const std::vector<uint32_t> recommended = {5};
  const std::vector<uint32_t> relevant = {5};
  const UserRankingMetrics m =
      ComputeUserRankingMetrics(recommended, relevant, 10);
  EXPECT_DOUBLE_EQ(m.precision, 0.1);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.average_precision, 1.0);
  EXPECT_DOUBLE_EQ(m.ndcg, 1.0);
}

TEST(RankingMetricsTest, NoHitsAreZero) {
  const std::vector<uint32_t> recommended = {0, 1};
  const std::vector<uint32_t> relevant = {7};
  const UserRankingMetrics m =
      ComputeUserRankingMetrics(recommended, relevant, 2);
  EXPECT_EQ(m.precision, 0);
  EXPECT_EQ(m.recall, 0);
  EXPECT_EQ(m.average_precision, 0);
  EXPECT_EQ(m.ndcg, 0);
  EXPECT_EQ(m.hit, 0);
}

// Positive 0.5 against {0.9, 0.5, 0.1}: 0.9 and the tie 0.5 rank above it,
// rank 2 (0-based). HR@2 = 0, HR@3 = 1, NDCG@3 = 1/log2(4) = 0.5.
TEST(RankingMetricsTest, LeaveOneOutTiesCountAgainstPositive) {
  const std::vector<float> negatives = {0.9f, 0.5f, 0.1f};
  const int64_t rank = RankAmongNegatives(0.5f, negatives);
  EXPECT_EQ(rank, 2);
  EXPECT_EQ(LeaveOneOutHit(rank, 2), 0.0);
  EXPECT_EQ(LeaveOneOutHit(rank, 3), 1.0);
  EXPECT_DOUBLE_EQ(LeaveOneOutNdcg(rank, 3), 0.5);
  EXPECT_EQ(LeaveOneOutNdcg(rank, 2), 0.0);
  EXPECT_DOUBLE_EQ(LeaveOneOutNdcg(0, 10), 1.0);
}

}  // namespace
}  // namespace tailor
