#include "core/dataset/partition_sort.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

std::vector<SpoolRecord> Random(size_t n, uint32_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<SpoolRecord> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = SpoolRecord{static_cast<uint32_t>(rng() % rows),
                       static_cast<uint32_t>(rng() % 7),
                       static_cast<float>(rng() % 3), 0.0f,
                       static_cast<int64_t>(i)};  // timestamp = input order
  }
  return v;
}

bool ByRow(const SpoolRecord& a, const SpoolRecord& b) { return a.row < b.row; }

void ExpectStableSortByRow(size_t n, uint32_t rows) {
  std::vector<SpoolRecord> v = Random(n, rows, rows), scratch;
  std::vector<SpoolRecord> expect = v;
  std::stable_sort(expect.begin(), expect.end(), ByRow);
  SortByRow(&v, rows, &scratch);
  ASSERT_EQ(v.size(), expect.size());
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(v[i].row, expect[i].row) << i;
    ASSERT_EQ(v[i].timestamp, expect[i].timestamp) << i;  // stable
  }
}

TEST(PartitionSortTest, RadixSortByRowIsStableForOneTwoAndThreePasses) {
  ExpectStableSortByRow(1000, 1);
  ExpectStableSortByRow(1000, 2);
  ExpectStableSortByRow(5000, 2048);             // one 11-bit pass
  ExpectStableSortByRow(20000, 300000);          // two passes
  ExpectStableSortByRow(20000, (1u << 23) + 5);  // three passes (odd)
}

TEST(PartitionSortTest, SortRowOrdersByColumnTimeValueAmount) {
  for (size_t n : {5, 33, 200}) {
    std::vector<SpoolRecord> v = Random(n, 1, 3);
    for (size_t i = 0; i < n; ++i) v[i].timestamp = static_cast<int64_t>(i % 4);
    std::vector<SpoolRecord> expect = v;
    std::stable_sort(expect.begin(), expect.end(), EntryLess);
    SortRow(v.data(), v.data() + n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_FALSE(EntryLess(v[i], expect[i]) || EntryLess(expect[i], v[i]));
    }
  }
}

TEST(PartitionSortTest, BoundsBalanceEntriesAndRangeOfFindsTheRange) {
  const std::vector<int64_t> entries = {3, 0, 5, 1, 1, 1, 9, 0};
  const std::vector<uint64_t> bounds = ChooseBounds(entries, 4);
  EXPECT_EQ(bounds, (std::vector<uint64_t>{0, 3, 7, 8}));
  for (uint64_t row = 0; row < entries.size(); ++row) {
    const size_t p = RangeOf(bounds, row);
    EXPECT_LE(bounds[p], row);
    EXPECT_LT(row, bounds[p + 1]);
  }
  EXPECT_EQ(ChooseBounds({}, 4), (std::vector<uint64_t>{0, 0}));
}

}  // namespace
}  // namespace tailor
