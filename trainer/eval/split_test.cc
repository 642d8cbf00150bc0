#include "trainer/eval/split.h"

#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

CsrMatrix TwoByThree() {
  // Row 0: cols 0, 2; row 1: col 1.
  CsrMatrix m;
  m.rows = 2;
  m.cols = 3;
  m.indptr = {0, 2, 3};
  m.indices = {0, 2, 1};
  m.data = {1, 2, 3};
  return m;
}

TEST(SplitByMaskTest, KeepsShapeValuesAndTimestamps) {
  const CsrMatrix m = TwoByThree();
  const std::vector<int64_t> times = {10, 20, 30};
  const Split s = SplitByMask(m, times, {0, 1, 1});
  EXPECT_EQ(s.train.rows, 2);
  EXPECT_EQ(s.test.cols, 3);
  EXPECT_EQ(s.train.indptr, (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(s.test.indptr, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(s.test.indices, (std::vector<uint32_t>{2, 1}));
  EXPECT_EQ(s.test.data, (std::vector<float>{2, 3}));
  EXPECT_EQ(s.train_timestamps, (std::vector<int64_t>{10}));
  EXPECT_EQ(s.test_timestamps, (std::vector<int64_t>{20, 30}));
}

TEST(ValidateInteractionsTest, WrongTimestampCountIsAnError) {
  const std::vector<int64_t> times = {1, 2};
  absl::Status s = ValidateInteractions(TwoByThree(), times, "input x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("input x"), std::string::npos);
}

TEST(UniformIndexTest, StaysInRangeAndCoversIt) {
  SplitRng rng(3);
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 700; ++i) {
    const uint64_t v = UniformIndex(rng, 7);
    ASSERT_LT(v, 7u);
    ++seen[v];
  }
  for (int c : seen) EXPECT_GT(c, 50);
}

}  // namespace
}  // namespace tailor
