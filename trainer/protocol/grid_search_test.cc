#include "trainer/protocol/grid_search.h"

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/protocol/test_data.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(GridSearchTest, ParsesAxesAndCombinations) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto axes, ParseGrid("factors=32,64; regularization=0.01,0.1,1"));
  ASSERT_EQ(axes.size(), 2u);
  EXPECT_EQ(axes[0].name, "factors");
  EXPECT_THAT(axes[1].values, ElementsAre("0.01", "0.1", "1"));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto combos, GridCombinations(axes));
  ASSERT_EQ(combos.size(), 6u);
  EXPECT_EQ(combos[1][0], Setting("factors", "32"));
  EXPECT_EQ(combos[1][1], Setting("regularization", "0.1"));
}

TEST(GridSearchTest, BadGridsAreClearErrors) {
  EXPECT_THAT(ParseGrid("factors").status().message(),
              HasSubstr("not name=value"));
  EXPECT_THAT(ParseGrid("factors=1,,2").status().message(),
              HasSubstr("empty value"));
  EXPECT_THAT(ParseGrid("a=1;a=2").status().message(),
              HasSubstr("given twice"));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto axes, ParseGrid("a=1,2;b=1,2;c=1,2"));
  EXPECT_THAT(GridCombinations(axes, 4).status().message(),
              HasSubstr("more than 4 combinations"));
}

TEST(GridSearchTest, AppliesFieldsEnumsAndOptions) {
  tailor::v1::JobSpec spec;
  TAILOR_ASSERT_OK(ApplySetting({"factors", "32"}, spec));
  TAILOR_ASSERT_OK(ApplySetting({"regularization", "0.5"}, spec));
  TAILOR_ASSERT_OK(ApplySetting({"solver", "cholesky"}, spec));
  TAILOR_ASSERT_OK(ApplySetting({"similarity", "pearson"}, spec));
  EXPECT_EQ(spec.factors(), 32u);
  EXPECT_DOUBLE_EQ(spec.regularization(), 0.5);
  EXPECT_EQ(spec.solver(), tailor::v1::SOLVER_CHOLESKY);
  EXPECT_EQ(spec.options().at("similarity"), "pearson");
  EXPECT_THAT(ApplySetting({"factors", "-3"}, spec).message(),
              HasSubstr("factors='-3'"));
  EXPECT_THAT(ApplySetting({"solver", "lu"}, spec).message(),
              HasSubstr("solver='lu'"));
}

TEST(GridSearchTest, ParsesAlgorithmEntries) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto entry, ParseAlgorithmEntry("user_knn:similarity=msd:neighbors=40"));
  EXPECT_EQ(entry.first, "user_knn");
  EXPECT_THAT(entry.second, ElementsAre(Setting("similarity", "msd"),
                                        Setting("neighbors", "40")));
  EXPECT_FALSE(ParseAlgorithmEntry(":a=1").ok());
  EXPECT_FALSE(ParseAlgorithmEntry("ials:alpha").ok());
}

TEST(GridSearchTest, SortsBestFirstAndErrorsLast) {
  std::vector<GridRow> rows(4);
  rows[0].run.metrics["rmse"] = 0.9;
  rows[1].error = "diverged";
  rows[2].run.metrics["rmse"] = 0.8;
  rows[3].run.metrics["rmse"] = 1.0;
  SortRows("rmse", rows);
  EXPECT_DOUBLE_EQ(rows[0].run.metrics["rmse"], 0.8);
  EXPECT_DOUBLE_EQ(rows[2].run.metrics["rmse"], 1.0);
  EXPECT_EQ(rows[3].error, "diverged");
  SortRows("rmse_is_not_here_ndcg@10", rows);  // missing: order kept
  EXPECT_EQ(rows[3].error, "diverged");
}

TEST(GridSearchTest, RunsEveryCombinationSortedByTheMainMetric) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = Protocol::kSurpriseCv;
  o.folds = 3;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit split, MakeProtocolSplit(data.matrix, data.timestamps, o));
  tailor::v1::JobSpec base;
  base.set_algorithm("biased_mf");
  base.set_threads(1);
  base.set_iterations(10);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto axes,
                              ParseGrid("factors=4,8;learning_rate=0.01,1e9"));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto rows, RunGridSearch(base, axes, split, {}));
  ASSERT_EQ(rows.size(), 4u);
  // A learning rate of 1e9 diverges: those rows come last with an error.
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_TRUE(rows[1].error.empty());
  EXPECT_FALSE(rows[3].error.empty());
  EXPECT_LE(rows[0].run.metrics["rmse"], rows[1].run.metrics["rmse"]);
  EXPECT_EQ(rows[0].spec.learning_rate(), 0.01);
}

}  // namespace
}  // namespace tailor
