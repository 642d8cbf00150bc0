#include "trainer/eval/strong_generalization_split.h"

#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::Entry;
using testing::MakeCsr;

// 10 users; user u has 5 + u items among columns 0..14; column 15 is only
// ever seen by user 9.
CsrMatrix Users(int* total) {
  std::vector<Entry> entries;
  for (uint32_t u = 0; u < 10; ++u) {
    for (uint32_t i = 0; i < 5 + u; ++i) entries.push_back({u, i, 1.0f});
  }
  entries.push_back({9, 15, 1.0f});
  *total = static_cast<int>(entries.size());
  return MakeCsr(10, 16, entries);
}

TEST(StrongGeneralizationTest, HeldOutUsersLeaveTrain) {
  int total = 0;
  const CsrMatrix m = Users(&total);
  StrongGeneralizationOptions options;
  options.heldout_users = 3;
  options.seed = 4;
  absl::StatusOr<StrongGeneralizationSplit> s =
      StrongGeneralization(m, {}, options);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->heldout_users.size(), 3u);
  std::vector<int> in_train(16, 0);
  for (uint32_t i : s->train.indices) in_train[i] = 1;
  int64_t dropped = 0;
  for (uint32_t u : s->heldout_users) {
    EXPECT_EQ(s->train.RowSize(u), 0);
    // Entries on items no training user has are dropped first.
    int64_t n = 0;
    for (int64_t p = m.indptr[u]; p < m.indptr[u + 1]; ++p) {
      n += in_train[m.indices[p]];
    }
    dropped += m.RowSize(u) - n;
    EXPECT_EQ(s->test.RowSize(u), n / 5) << "floor(0.2 n), user " << u;
    EXPECT_EQ(s->fold_in.RowSize(u), n - n / 5);
  }
  EXPECT_EQ(s->dropped_unseen_item_entries, dropped);
  EXPECT_EQ(s->train.nnz() + s->fold_in.nnz() + s->test.nnz() + dropped, total);
  EXPECT_EQ(s->train.rows, 10);
}

TEST(StrongGeneralizationTest, SmallUsersAreNotSplit) {
  int total = 0;
  const CsrMatrix m = Users(&total);
  StrongGeneralizationOptions options;
  options.heldout_users = 9;
  options.min_entries_to_split = 100;
  const StrongGeneralizationSplit s = *StrongGeneralization(m, {}, options);
  EXPECT_EQ(s.test.nnz(), 0);
}

TEST(StrongGeneralizationTest, BadOptionsAreErrors) {
  int total = 0;
  const CsrMatrix m = Users(&total);
  StrongGeneralizationOptions options;
  options.heldout_users = 0;
  EXPECT_FALSE(StrongGeneralization(m, {}, options).ok());
  options.heldout_users = 10;  // nobody left to train on
  EXPECT_FALSE(StrongGeneralization(m, {}, options).ok());
  options.heldout_users = 2;
  options.test_fraction = 0;
  EXPECT_FALSE(StrongGeneralization(m, {}, options).ok());
}

}  // namespace
}  // namespace tailor
