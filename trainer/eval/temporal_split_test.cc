#include "trainer/eval/temporal_split.h"

#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::MakeCsr;
using testing::RowColumns;

// Cutoff 10. User 0: item 0 @1 (train), item 1 @12 (warm test). User 1:
// item 2 @15 only -> new user. User 2: item 0 @3 (train), item 3 @20 ->
// item 3 is new (known user).
TEST(TemporalCutoffTest, SeparatesColdUsersAndItems) {
  std::vector<int64_t> times;
  const CsrMatrix m = MakeCsr(
      3, 4,
      {{0, 0, 1, 1}, {0, 1, 1, 12}, {1, 2, 1, 15}, {2, 0, 1, 3}, {2, 3, 1, 20}},
      &times);
  absl::StatusOr<TemporalSplit> s = TemporalCutoff(m, times, 10);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->split.train.nnz(), 2);
  EXPECT_EQ(s->split.test.nnz(), 3);
  EXPECT_EQ(s->new_users, (std::vector<uint32_t>{1}));
  EXPECT_EQ(s->new_items, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(RowColumns(s->test_new_users, 1), (std::vector<uint32_t>{2}));
  EXPECT_EQ(s->test_new_users.nnz(), 1);
  // Item 1 is new too (no train entry), so user 0's entry is a new-item one.
  EXPECT_EQ(s->test_new_items.nnz(), 2);
  EXPECT_EQ(s->test_warm.nnz(), 0);
  EXPECT_EQ(s->split.test_timestamps, (std::vector<int64_t>{12, 15, 20}));
}

TEST(TemporalCutoffTest, WarmEntries) {
  std::vector<int64_t> times;
  const CsrMatrix m =
      MakeCsr(2, 2, {{0, 0, 1, 1}, {0, 1, 1, 12}, {1, 1, 1, 2}}, &times);
  const TemporalSplit s = *TemporalCutoff(m, times, 10);
  EXPECT_EQ(RowColumns(s.test_warm, 0), (std::vector<uint32_t>{1}));
  EXPECT_TRUE(s.new_users.empty());
  EXPECT_TRUE(s.new_items.empty());
}

TEST(TemporalCutoffTest, EmptySideIsAnError) {
  std::vector<int64_t> times;
  const CsrMatrix m = MakeCsr(1, 2, {{0, 0, 1, 1}, {0, 1, 1, 2}}, &times);
  EXPECT_FALSE(TemporalCutoff(m, times, 100).ok());
  EXPECT_FALSE(TemporalCutoff(m, {}, 1).ok());
}

}  // namespace
}  // namespace tailor
