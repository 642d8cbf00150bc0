#include "core/dataset/partition_sort.h"

#include <algorithm>
#include <random>
#include <vector>

#include "core/file_system.h"
#include "core/status_matchers.h"
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
  auto fs = NewInMemoryFileSystem();
  SpoolMemory memory(size_t{1} << 30, 1000);
  RecordSpool spool(fs.get(), "/s", &memory);
  std::vector<SpoolRecord> expect = Random(n, rows, rows);
  std::vector<int64_t> entries(rows, 0);
  for (const SpoolRecord& r : expect) {
    ASSERT_THAT(spool.Append(r), IsOk());
    ++entries[r.row];
  }
  std::stable_sort(expect.begin(), expect.end(), ByRow);
  RecordBuffer out, scratch;
  ASSERT_THAT(DrainSortedByRow(&spool, entries, &out, &scratch), IsOk());
  ASSERT_EQ(out.size(), expect.size());
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(out[i].row, expect[i].row) << i;
    ASSERT_EQ(out[i].timestamp, expect[i].timestamp) << i;  // stable
  }
}

TEST(PartitionSortTest, RadixSortByRowIsStableForOneTwoAndThreePasses) {
  ExpectStableSortByRow(1000, 1);
  ExpectStableSortByRow(1000, 2);
  ExpectStableSortByRow(5000, 2048);             // one 11-bit pass
  ExpectStableSortByRow(20000, 300000);          // two passes
  ExpectStableSortByRow(20000, (1u << 23) + 5);  // three passes (odd)
}

TEST(PartitionSortTest, RecordsThatDisagreeWithTheCountsAreDataLoss) {
  auto fs = NewInMemoryFileSystem();
  SpoolMemory memory(size_t{1} << 20, 16);
  RecordBuffer out, scratch;
  for (const std::vector<int64_t>& entries :
       {std::vector<int64_t>{2, 1, 0}, std::vector<int64_t>{1, 1, 1},
        std::vector<int64_t>{0, 0, 3}}) {
    RecordSpool spool(fs.get(), "/s", &memory);
    for (uint32_t row : {0u, 0u, 2u}) {  // really 2, 0, 1 records per row
      ASSERT_THAT(spool.Append(SpoolRecord{row, 0, 0, 0, 0}), IsOk());
    }
    EXPECT_THAT(DrainSortedByRow(&spool, entries, &out, &scratch),
                StatusIs(absl::StatusCode::kDataLoss));
  }
  RecordSpool spool(fs.get(), "/s", &memory);
  ASSERT_THAT(spool.Append(SpoolRecord{5, 0, 0, 0, 0}), IsOk());  // row >= 3
  EXPECT_THAT(
      DrainSortedByRow(&spool, std::vector<int64_t>{0, 0, 1}, &out, &scratch),
      StatusIs(absl::StatusCode::kDataLoss));
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
