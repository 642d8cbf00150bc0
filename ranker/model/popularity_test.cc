#include "ranker/model/popularity.h"

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

// Users 0 (GB) and 1 (FR): user 0 bought items 0 and 2 at 10:xx UTC, user 1
// item 2 at 23:xx.
SparseBlock Block() {
  SparseBlock b;
  b.matrix.rows = 2;
  b.matrix.cols = 3;
  b.matrix.indptr = {0, 2, 3};
  b.matrix.indices = {0, 2, 2};
  b.matrix.data = {1, 4, 1};
  b.timestamps = {10 * 3600 + 5, 10 * 3600 + 7, 86400 + 23 * 3600};
  return b;
}

TEST(PopularityTest, CountsOverallAndByContext) {
  const ContextPopularity p =
      ComputePopularity(Block(), 3, {"GB", "FR"}, {}, 0);
  EXPECT_EQ(p.item_events, (std::vector<double>{1, 0, 2}));
  EXPECT_EQ(p.max_item_events, 2);
  const ContextCounts* gb = p.Find("country", "GB");
  ASSERT_NE(gb, nullptr);
  EXPECT_EQ(gb->total_events, 2);
  EXPECT_EQ(gb->items.size(), 2u);
  const ContextCounts* late = p.Find("hour", "23");
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->items[0].first, 2);
  EXPECT_EQ(p.Find("channel", "web"), nullptr);
  EXPECT_EQ(HourOfDay(-1000), "23");
}

TEST(PopularityTest, TrimKeepsTotalsAndTsvRoundTrips) {
  const ContextPopularity p =
      ComputePopularity(Block(), 3, {"GB", "FR"}, {}, 1);
  EXPECT_EQ(p.Find("country", "GB")->items.size(), 1u);
  EXPECT_EQ(p.Find("country", "GB")->total_events, 2);
  const std::vector<uint64_t> keys = {7, 8, 9};
  auto back = ParsePopularityTsv(PopularityToTsv(p, keys), "pop.tsv", keys);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->item_events, p.item_events);
  EXPECT_EQ(back->Find("country", "GB")->total_events, 2);
  EXPECT_EQ(back->Find("hour", "10")->items, p.Find("hour", "10")->items);
  // Rows follow the reader's keys; unknown keys are skipped.
  auto shifted =
      ParsePopularityTsv(PopularityToTsv(p, keys), "pop.tsv", {8, 9});
  ASSERT_TRUE(shifted.ok());
  EXPECT_EQ(shifted->item_events, (std::vector<double>{0, 2}));
  EXPECT_EQ(ParsePopularityTsv("x", "pop.tsv", keys).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace tailor::ranker
