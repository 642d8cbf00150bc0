#include "core/dataset/record_spool.h"

#include <vector>

#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

SpoolRecord Rec(uint32_t i) {
  return SpoolRecord{i, i * 3, static_cast<float>(i), 0.5f * i,
                     int64_t{1} << 40 | i};
}

std::vector<uint32_t> Rows(const std::vector<SpoolRecord>& v) {
  std::vector<uint32_t> rows;
  for (const SpoolRecord& r : v) rows.push_back(r.row);
  return rows;
}

TEST(RecordSpoolTest, InMemoryKeepsAppendOrderAndWritesNoFile) {
  auto fs = NewInMemoryFileSystem();
  SpoolMemory memory(1 << 20, 4);
  RecordSpool spool(fs.get(), "/s", &memory);
  std::vector<uint32_t> expect;
  for (uint32_t i = 0; i < 11; ++i) {
    ASSERT_THAT(spool.Append(Rec(i)), IsOk());
    expect.push_back(i);
  }
  EXPECT_EQ(spool.size(), 11);
  std::vector<SpoolRecord> out;
  ASSERT_THAT(spool.DrainInto(&out), IsOk());
  EXPECT_EQ(Rows(out), expect);
  EXPECT_EQ(out[7].timestamp, Rec(7).timestamp);
  EXPECT_EQ(out[7].amount, Rec(7).amount);
  EXPECT_FALSE(fs->Exists("/s"));
  EXPECT_EQ(spool.size(), 0);
}

TEST(RecordSpoolTest, SpillsBeyondTheBudgetAndStillReadsInAppendOrder) {
  auto fs = NewInMemoryFileSystem();
  // Room for two chunks of 3 records shared by two spools.
  SpoolMemory memory(2 * 3 * sizeof(SpoolRecord), 3);
  RecordSpool a(fs.get(), "/a", &memory), b(fs.get(), "/b", &memory);
  std::vector<uint32_t> expect_a, expect_b;
  for (uint32_t i = 0; i < 40; ++i) {
    ASSERT_THAT(a.Append(Rec(i)), IsOk());
    expect_a.push_back(i);
    if (i % 3 == 0) {
      ASSERT_THAT(b.Append(Rec(100 + i)), IsOk());
      expect_b.push_back(100 + i);
    }
  }
  EXPECT_TRUE(fs->Exists("/a"));
  std::vector<SpoolRecord> out;
  ASSERT_THAT(a.DrainInto(&out), IsOk());
  EXPECT_EQ(Rows(out), expect_a);
  std::vector<uint32_t> rows_b;
  ASSERT_THAT(b.Drain([&](absl::Span<const SpoolRecord> batch) {
    for (const SpoolRecord& r : batch) rows_b.push_back(r.row);
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(rows_b, expect_b);
}

TEST(RecordSpoolTest, DrainStopsAtTheFirstError) {
  auto fs = NewInMemoryFileSystem();
  SpoolMemory memory(0, 2);  // everything beyond one write buffer spills
  RecordSpool spool(fs.get(), "/s", &memory);
  for (uint32_t i = 0; i < 9; ++i) ASSERT_THAT(spool.Append(Rec(i)), IsOk());
  int calls = 0;
  EXPECT_THAT(spool.Drain([&](absl::Span<const SpoolRecord>) {
    ++calls;
    return absl::DataLossError("stop");
  }),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace tailor
