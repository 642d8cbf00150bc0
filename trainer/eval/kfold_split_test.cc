#include "trainer/eval/kfold_split.h"

#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::Entry;
using testing::MakeCsr;

CsrMatrix ElevenRatings() {
  std::vector<Entry> entries;
  for (uint32_t i = 0; i < 11; ++i) entries.push_back({i % 3, i, 1.0f + i});
  return MakeCsr(3, 11, entries);
}

// 11 entries in 5 folds: sizes 3 2 2 2 2 (the first 11 % 5 folds get one
// more, as Surprise's KFold).
TEST(KFoldSplitTest, FoldSizesAsSurprise) {
  KFoldOptions options;
  options.seed = 7;
  absl::StatusOr<std::vector<Split>> folds =
      KFoldSplit(ElevenRatings(), {}, options);
  ASSERT_TRUE(folds.ok()) << folds.status();
  ASSERT_EQ(folds->size(), 5u);
  const std::vector<int64_t> sizes = {3, 2, 2, 2, 2};
  for (int f = 0; f < 5; ++f) {
    EXPECT_EQ((*folds)[f].test.nnz(), sizes[f]);
    EXPECT_EQ((*folds)[f].train.nnz(), 11 - sizes[f]);
    EXPECT_EQ((*folds)[f].train.rows, 3);
    EXPECT_EQ((*folds)[f].test.cols, 11);
  }
}

TEST(KFoldSplitTest, EveryEntryTestedExactlyOnce) {
  absl::StatusOr<std::vector<Split>> folds =
      KFoldSplit(ElevenRatings(), {}, {});
  ASSERT_TRUE(folds.ok());
  std::vector<int> tested(11, 0);  // columns are unique entries here
  for (const Split& s : *folds) {
    for (uint32_t c : s.test.indices) ++tested[c];
  }
  for (int t : tested) EXPECT_EQ(t, 1);
}

TEST(KFoldSplitTest, DeterministicBySeed) {
  KFoldOptions a, b;
  a.seed = b.seed = 11;
  EXPECT_EQ(*KFoldAssignment(1000, a), *KFoldAssignment(1000, b));
  b.seed = 12;
  EXPECT_NE(*KFoldAssignment(1000, a), *KFoldAssignment(1000, b));
}

TEST(KFoldSplitTest, BadFoldsAreErrors) {
  KFoldOptions options;
  options.folds = 1;
  EXPECT_FALSE(KFoldSplit(ElevenRatings(), {}, options).ok());
  options.folds = 12;  // more folds than entries
  EXPECT_FALSE(KFoldSplit(ElevenRatings(), {}, options).ok());
}

}  // namespace
}  // namespace tailor
