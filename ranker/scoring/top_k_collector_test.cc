#include "ranker/scoring/top_k_collector.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tailor::ranker::internal {
namespace {

TEST(TopKCollectorTest, KeepsBestInOrderWithTiesByLowerIndex) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> score(0, 20);  // many ties
  std::vector<ScoredItem> all;
  for (int i = 0; i < 500; ++i) all.push_back({i, float(score(rng))});
  // Pushed in a shuffled order: the result must not depend on it.
  std::vector<ScoredItem> shuffled = all;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (int capacity : {0, 1, 3, 50, 499, 500, 800}) {
    TopKCollector collector(capacity);
    for (const ScoredItem& item : shuffled)
      collector.Push(item.index, item.score);
    std::vector<ScoredItem> got;
    collector.TakeSorted(&got);
    std::vector<ScoredItem> want = all;
    std::sort(want.begin(), want.end(), ScoredItemBefore);
    want.resize(std::min<size_t>(capacity, want.size()));
    ASSERT_EQ(got.size(), want.size()) << capacity;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].index, want[i].index) << capacity << " " << i;
      EXPECT_EQ(got[i].score, want[i].score);
    }
    if (capacity > 0) {
      EXPECT_FALSE(collector.full()) << capacity;  // emptied
    }
  }
}

TEST(TopKCollectorTest, BarIsWorstKeptAfterTheBufferFills) {
  TopKCollector collector(2);
  EXPECT_FALSE(collector.full());
  collector.Push(0, 1.0f);
  collector.Push(1, 3.0f);
  collector.Push(2, 2.0f);
  EXPECT_FALSE(collector.full());  // buffer holds up to 2 x capacity
  collector.Push(3, 0.5f);         // fills it: keeps 3.0 and 2.0
  EXPECT_TRUE(collector.full());
  EXPECT_EQ(collector.threshold(), 2.0f);
  collector.Push(4, 2.0f);  // ties the bar with a higher index: stays out
  collector.Push(5, 2.5f);
  std::vector<ScoredItem> got;
  collector.TakeSorted(&got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].index, 1);
  EXPECT_EQ(got[1].index, 5);
  EXPECT_FALSE(collector.full());
}

TEST(TopKCollectorTest, LowerIndexBeatsTheBarOnATie) {
  TopKCollector collector(1);
  collector.Push(5, 1.0f);
  collector.Push(6, 0.0f);  // compacts: bar is (5, 1.0)
  ASSERT_TRUE(collector.full());
  collector.Push(2, 1.0f);
  std::vector<ScoredItem> got;
  collector.TakeSorted(&got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].index, 2);
}

TEST(TopKCollectorTest, ZeroCapacityKeepsNothing) {
  TopKCollector collector(0);
  EXPECT_TRUE(collector.full());
  collector.Push(1, 1.0f);
  std::vector<ScoredItem> got = {{9, 9.0f}};
  collector.TakeSorted(&got);
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace tailor::ranker::internal
