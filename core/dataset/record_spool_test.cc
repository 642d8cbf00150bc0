#include "core/dataset/record_spool.h"

#include <cstdint>
#include <cstring>
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

bool SameBits(const SpoolRecord& a, const SpoolRecord& b) {
  return std::memcmp(&a, &b, sizeof(SpoolRecord)) == 0;
}

// Records that fit the 16-byte layout (amount +0.0, timestamp within 2^31
// of the first) and records that do not (amount -0.0 or 2.5, a timestamp
// 2^31 away) come back bit for bit, in memory and spilled, whichever comes
// first.
TEST(RecordSpoolTest, CompactAndFullLayoutsRoundTripBitForBit) {
  const int64_t base = int64_t{1} << 40;
  std::vector<SpoolRecord> fit, all;
  for (uint32_t i = 0; i < 30; ++i) {
    const int64_t dt = i % 3 == 0   ? INT32_MAX - int64_t{i}
                       : i % 3 == 1 ? INT32_MIN + int64_t{i}
                                    : int64_t{i};
    fit.push_back(SpoolRecord{i, 7 * i, -0.0f + i, 0.0f, base + dt});
  }
  const std::vector<SpoolRecord> misfits = {
      SpoolRecord{1, 2, 3.0f, -0.0f, base}, SpoolRecord{4, 5, 6.0f, 2.5f, base},
      SpoolRecord{7, 8, 9.0f, 0.0f, base + (int64_t{1} << 31)},
      SpoolRecord{9, 9, 9.0f, 0.0f, base - (int64_t{1} << 31) - 1}};
  for (const SpoolRecord& m : misfits) {
    for (const size_t budget : {size_t{1} << 20, size_t{0}}) {
      for (const size_t at : {size_t{0}, size_t{1}, size_t{5}, size_t{29}}) {
        std::vector<SpoolRecord> in = fit;
        in.insert(in.begin() + at, m);
        if (at == 0) in.insert(in.begin(), fit[2]);  // sets the base
        auto fs = NewInMemoryFileSystem();
        SpoolMemory memory(budget, 4);
        RecordSpool spool(fs.get(), "/s", &memory);
        for (const SpoolRecord& r : in) ASSERT_THAT(spool.Append(r), IsOk());
        std::vector<SpoolRecord> out;
        ASSERT_THAT(spool.DrainInto(&out), IsOk());
        ASSERT_EQ(out.size(), in.size());
        for (size_t i = 0; i < in.size(); ++i) {
          EXPECT_TRUE(SameBits(out[i], in[i]))
              << "record " << i << " misfit at " << at << " budget " << budget;
        }
      }
    }
  }
}

TEST(RecordSpoolTest, ReusableAfterDrainWithANewBase) {
  auto fs = NewInMemoryFileSystem();
  SpoolMemory memory(1 << 20, 4);
  RecordSpool spool(fs.get(), "/s", &memory);
  ASSERT_THAT(spool.Append(SpoolRecord{1, 1, 1, 0, 100}), IsOk());
  std::vector<SpoolRecord> out;
  ASSERT_THAT(spool.DrainInto(&out), IsOk());
  const SpoolRecord far{2, 2, 2, 0, int64_t{1} << 50};
  ASSERT_THAT(spool.Append(far), IsOk());
  ASSERT_THAT(spool.DrainInto(&out), IsOk());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(SameBits(out[0], far));
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
