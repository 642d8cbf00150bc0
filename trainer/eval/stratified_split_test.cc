#include "trainer/eval/stratified_split.h"

#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::Entry;
using testing::MakeCsr;

// Python: round(0.75 * n) rounds half to even.
TEST(StratifiedTrainCountTest, PythonRounding) {
  EXPECT_EQ(StratifiedTrainCount(0.75, 1), 1);    // 0.75 -> 1
  EXPECT_EQ(StratifiedTrainCount(0.75, 2), 2);    // 1.5 -> 2
  EXPECT_EQ(StratifiedTrainCount(0.75, 3), 2);    // 2.25 -> 2
  EXPECT_EQ(StratifiedTrainCount(0.75, 4), 3);    // 3
  EXPECT_EQ(StratifiedTrainCount(0.75, 5), 4);    // 3.75 -> 4
  EXPECT_EQ(StratifiedTrainCount(0.75, 6), 4);    // 4.5 -> 4
  EXPECT_EQ(StratifiedTrainCount(0.75, 10), 8);   // 7.5 -> 8
  EXPECT_EQ(StratifiedTrainCount(0.75, 14), 10);  // 10.5 -> 10
}

TEST(StratifiedSplitTest, PerUserCounts) {
  // User u has sizes[u] items.
  const std::vector<int> sizes = {1, 2, 6, 10, 14};
  std::vector<Entry> entries;
  for (uint32_t u = 0; u < sizes.size(); ++u) {
    for (int i = 0; i < sizes[u]; ++i) {
      entries.push_back({u, static_cast<uint32_t>(i), 1.0f,
                         static_cast<int64_t>(100 * u + i)});
    }
  }
  std::vector<int64_t> times;
  const CsrMatrix m = MakeCsr(5, 20, entries, &times);
  absl::StatusOr<Split> s = StratifiedSplit(m, times, {});
  ASSERT_TRUE(s.ok()) << s.status();
  const std::vector<int64_t> train = {1, 2, 4, 8, 10};
  for (int u = 0; u < 5; ++u) {
    EXPECT_EQ(s->train.RowSize(u), train[u]) << "user " << u;
    EXPECT_EQ(s->test.RowSize(u), sizes[u] - train[u]) << "user " << u;
  }
  // Timestamps travel with their entries (time = 100 u + column).
  for (int u = 0; u < 5; ++u) {
    for (int64_t p = s->test.indptr[u]; p < s->test.indptr[u + 1]; ++p) {
      EXPECT_EQ(s->test_timestamps[p], 100 * u + s->test.indices[p]);
    }
  }
}

TEST(StratifiedSplitTest, DeterministicBySeed) {
  std::vector<Entry> entries;
  for (uint32_t i = 0; i < 40; ++i) entries.push_back({0, i, 1.0f});
  const CsrMatrix m = MakeCsr(1, 40, entries);
  StratifiedSplitOptions options;
  options.seed = 5;
  const Split a = *StratifiedSplit(m, {}, options);
  const Split b = *StratifiedSplit(m, {}, options);
  EXPECT_EQ(a.test.indices, b.test.indices);
  options.seed = 6;
  const Split c = *StratifiedSplit(m, {}, options);
  EXPECT_NE(a.test.indices, c.test.indices);
  EXPECT_EQ(a.test.nnz(), 10);
}

TEST(StratifiedSplitTest, BadRatioIsAnError) {
  StratifiedSplitOptions options;
  options.train_ratio = 1.0;
  EXPECT_FALSE(StratifiedSplit(MakeCsr(1, 1, {{0, 0, 1}}), {}, options).ok());
}

}  // namespace
}  // namespace tailor
