#include "trainer/local/interactions.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;

SparseBlock EventLog() {
  // Row 0: item 1 at t=5 (2.0), item 1 at t=9 (3.0), item 4 at t=1 (1.0).
  // Row 1: none. Row 2: item 0 twice at t=3 and t=2 (1.0, 4.0).
  SparseBlock block;
  block.matrix.rows = 3;
  block.matrix.cols = 5;
  block.matrix.indptr = {0, 3, 3, 5};
  block.matrix.indices = {1, 1, 4, 0, 0};
  block.matrix.data = {2, 3, 1, 1, 4};
  block.timestamps = {5, 9, 1, 3, 2};
  return block;
}

TEST(InteractionsTest, SumMergesRepeatsAndKeepsTheLatestTime) {
  Interactions m = MergeRepeatedEvents(EventLog(), DuplicatePolicy::kSum);
  EXPECT_THAT(m.matrix.indptr, ElementsAre(0, 2, 2, 3));
  EXPECT_THAT(m.matrix.indices, ElementsAre(1, 4, 0));
  EXPECT_THAT(m.matrix.data, ElementsAre(5, 1, 5));
  EXPECT_THAT(m.timestamps, ElementsAre(9, 1, 3));
}

TEST(InteractionsTest, LastKeepsTheLastEventsValue) {
  Interactions m = MergeRepeatedEvents(EventLog(), DuplicatePolicy::kLast);
  EXPECT_THAT(m.matrix.data, ElementsAre(3, 1, 4));
}

TEST(InteractionsTest, WithoutTimestampsNoneAreInvented) {
  SparseBlock block = EventLog();
  block.timestamps.clear();
  Interactions m = MergeRepeatedEvents(block, DuplicatePolicy::kMax);
  EXPECT_TRUE(m.timestamps.empty());
  EXPECT_THAT(m.matrix.data, ElementsAre(3, 1, 4));
}

}  // namespace
}  // namespace tailor
