#include "trainer/protocol/protocol_runner.h"

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/protocol/test_data.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

tailor::v1::JobSpec Spec(const std::string& algorithm) {
  tailor::v1::JobSpec spec;
  spec.set_algorithm(algorithm);
  spec.set_seed(3);
  spec.set_threads(1);
  spec.set_factors(8);
  spec.set_iterations(8);
  return spec;
}

absl::StatusOr<ProtocolRun> RunOn(const std::string& algorithm,
                                  Protocol protocol) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = protocol;
  o.negatives = 30;
  return RunProtocol(Spec(algorithm), data.matrix, data.timestamps, o, {});
}

void ExpectUnitInterval(const ProtocolRun& run) {
  for (const auto& [name, value] : run.metrics) {
    if (name.find("avg_popularity") != std::string::npos) continue;
    EXPECT_GE(value, 0) << name;
    EXPECT_LE(value, 1) << name;
  }
}

TEST(ProtocolRunnerTest, SurpriseCvReportsMeanAndStdOfRmse) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun run,
                              RunOn("biased_mf", Protocol::kSurpriseCv));
  EXPECT_EQ(run.main_metric, "rmse");
  ASSERT_TRUE(run.metrics.count("rmse"));
  EXPECT_GT(run.metrics["rmse"], 0.2);
  EXPECT_LT(run.metrics["rmse"], 2.0);
  EXPECT_GT(run.metrics["rmse_std"], 0);
  EXPECT_LT(run.metrics["mae"], run.metrics["rmse"]);
  EXPECT_EQ(run.details["per_fold"].size(), 5u);
}

TEST(ProtocolRunnerTest, SurpriseCvRefusesImplicitAlgorithms) {
  absl::Status s = RunOn("ials", Protocol::kSurpriseCv).status();
  EXPECT_THAT(s.message(), HasSubstr("ranks implicit feedback"));
}

TEST(ProtocolRunnerTest, MsStratifiedMetricsInUnitInterval) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun run,
                              RunOn("ials", Protocol::kMsStratified));
  EXPECT_EQ(run.main_metric, "ndcg@10");
  for (const char* name : {"map", "ndcg@10", "precision@10", "recall@10",
                           "coverage@10", "popularity_percentile@10"}) {
    EXPECT_TRUE(run.metrics.count(name)) << name;
  }
  ExpectUnitInterval(run);
}

TEST(ProtocolRunnerTest, ItemKnnBeatsPopularityOnClusteredData) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun knn,
                              RunOn("item_knn", Protocol::kMsStratified));
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun pop,
                              RunOn("popularity", Protocol::kMsStratified));
  EXPECT_GT(knn.metrics["ndcg@10"], pop.metrics["ndcg@10"] + 0.05);
  EXPECT_GT(knn.metrics["coverage@10"], pop.metrics["coverage@10"]);
}

TEST(ProtocolRunnerTest, RatingAlgorithmsAlsoReportRmseOnTheTopKSplit) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun run,
                              RunOn("biased_mf", Protocol::kMsStratified));
  EXPECT_TRUE(run.metrics.count("rmse"));
  EXPECT_TRUE(run.metrics.count("ndcg@10"));
}

TEST(ProtocolRunnerTest, LeaveOneOutHitRateAndCoverage) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun run,
                              RunOn("item_knn", Protocol::kLeaveOneOut));
  EXPECT_EQ(run.main_metric, "hr@10");
  ExpectUnitInterval(run);
  // 30 negatives: random ranking gives HR@10 about 10/31.
  EXPECT_GT(run.metrics["hr@10"], 0.5);
  EXPECT_TRUE(run.metrics.count("coverage@10"));
  EXPECT_EQ(run.details["per_fold"][0]["users_evaluated"], 120);
}

TEST(ProtocolRunnerTest, StrongGeneralizationFoldsInFactorAndKnnModels) {
  for (const char* algorithm :
       {"ials", "item_knn", "bpr", "popularity", "als"}) {
    TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun run,
                                RunOn(algorithm, Protocol::kStrong));
    EXPECT_EQ(run.main_metric, "recall@20");
    for (const char* name : {"recall@20", "recall@50", "ndcg@100"}) {
      EXPECT_TRUE(run.metrics.count(name)) << algorithm << " " << name;
    }
    ExpectUnitInterval(run);
  }
}

TEST(ProtocolRunnerTest, FoldedInIalsBeatsPopularity) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun ials,
                              RunOn("ials", Protocol::kStrong));
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun pop,
                              RunOn("popularity", Protocol::kStrong));
  EXPECT_GT(ials.metrics["recall@20"], pop.metrics["recall@20"]);
}

TEST(ProtocolRunnerTest, TemporalReportsWarmAndNewUsersApart) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun run,
                              RunOn("ials", Protocol::kTemporal));
  EXPECT_EQ(run.main_metric, "warm/ndcg@10");
  EXPECT_TRUE(run.metrics.count("warm/ndcg@10"));
  EXPECT_TRUE(run.metrics.count("new_users/ndcg@10"));
  EXPECT_GT(run.details["new_users"].get<int64_t>(), 0);
  ExpectUnitInterval(run);
}

TEST(ProtocolRunnerTest, UnknownAlgorithmIsAClearError) {
  absl::Status s = RunOn("svdpp", Protocol::kMsStratified).status();
  EXPECT_THAT(s.message(), HasSubstr("unknown algorithm 'svdpp'"));
}

TEST(ProtocolRunnerTest, SameSeedSameMetrics) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun a,
                              RunOn("ials", Protocol::kMsStratified));
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun b,
                              RunOn("ials", Protocol::kMsStratified));
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (const auto& [name, value] : a.metrics) {
    // Per-user averages are summed in parallel: equal up to rounding.
    EXPECT_NEAR(value, b.metrics[name], 1e-9) << name;
  }
}

}  // namespace
}  // namespace tailor
