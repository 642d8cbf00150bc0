#include "trainer/eval/leave_one_out_split.h"

#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::MakeCsr;
using testing::RowColumns;

// User 0: times 5 9 7 -> item 1 held out. User 1: times 3 8 8 -> item 1 or
// 2. User 2: a single interaction -> skipped.
CsrMatrix Interactions(std::vector<int64_t>* times) {
  return MakeCsr(3, 4,
                 {{0, 0, 1, 5},
                  {0, 1, 1, 9},
                  {0, 2, 1, 7},
                  {1, 0, 1, 3},
                  {1, 1, 1, 8},
                  {1, 2, 1, 8},
                  {2, 3, 1, 1}},
                 times);
}

TEST(LeaveOneOutTest, HoldsOutLatest) {
  std::vector<int64_t> times;
  const CsrMatrix m = Interactions(&times);
  absl::StatusOr<LeaveOneOutSplit> s = LeaveOneOut(m, times, {});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(RowColumns(s->split.test, 0), (std::vector<uint32_t>{1}));
  EXPECT_EQ(s->split.test.RowSize(1), 1);
  EXPECT_EQ(s->split.test_timestamps[1], 8);
  EXPECT_EQ(s->split.test.RowSize(2), 0);
  EXPECT_EQ(s->split.train.RowSize(2), 1);
  EXPECT_EQ(s->users_skipped, 1);
}

TEST(LeaveOneOutTest, TiesBrokenBySeed) {
  std::vector<int64_t> times;
  const CsrMatrix m = Interactions(&times);
  std::set<uint32_t> chosen;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    LeaveOneOutOptions options;
    options.seed = seed;
    const LeaveOneOutSplit a = *LeaveOneOut(m, times, options);
    const LeaveOneOutSplit b = *LeaveOneOut(m, times, options);
    EXPECT_EQ(a.split.test.indices, b.split.test.indices);
    chosen.insert(RowColumns(a.split.test, 1)[0]);
  }
  EXPECT_EQ(chosen, (std::set<uint32_t>{1, 2}));
}

TEST(LeaveOneOutTest, RandomChoiceOnePerUser) {
  std::vector<int64_t> times;
  const CsrMatrix m = Interactions(&times);
  LeaveOneOutOptions options;
  options.choice = HoldOutChoice::kRandom;
  absl::StatusOr<LeaveOneOutSplit> s = LeaveOneOut(m, {}, options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->split.test.nnz(), 2);
  EXPECT_EQ(s->split.train.nnz(), 5);
}

TEST(LeaveOneOutTest, LatestWithoutTimestampsIsAnError) {
  std::vector<int64_t> times;
  EXPECT_FALSE(LeaveOneOut(Interactions(&times), {}, {}).ok());
}

TEST(SampleNegativesTest, DistinctUnseenItems) {
  // 2 users, 10 items; user 0 saw 0..4, user 1 saw 5.
  const CsrMatrix all = MakeCsr(
      2, 10,
      {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 1}, {1, 5, 1}});
  const CsrMatrix test = MakeCsr(2, 10, {{0, 4, 1}});
  absl::StatusOr<CsrMatrix> neg = SampleNegatives(all, test, 5, 1);
  ASSERT_TRUE(neg.ok()) << neg.status();
  // User 0 has exactly 5 unseen items: all of them.
  EXPECT_EQ(RowColumns(*neg, 0), (std::vector<uint32_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(neg->RowSize(1), 0);  // no test item, no negatives
  EXPECT_FALSE(SampleNegatives(all, test, 6, 1).ok());
  EXPECT_FALSE(SampleNegatives(all, test, 0, 1).ok());
}

}  // namespace
}  // namespace tailor
