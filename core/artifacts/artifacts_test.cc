// Round trips and corruption checks of the artifact files in core/artifacts.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/artifacts/segment_io.h"
#include "core/artifacts/sparse_vectors.h"
#include "core/artifacts/string_table.h"
#include "core/file_system.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

CsrMatrix TwoRows() {
  CsrMatrix m;
  m.rows = 2;
  m.cols = 5;
  m.indptr = {0, 2, 3};
  m.indices = {1, 4, 0};
  m.data = {0.6f, 0.8f, 1.0f};
  return m;
}

TEST(SparseVectorsTest, RoundTrip) {
  auto fs = NewInMemoryFileSystem();
  const CsrMatrix m = TwoRows();
  ASSERT_TRUE(WriteSparseVectors(fs.get(), "/v.tcv", {3, 7}, m).ok());
  std::vector<uint64_t> keys;
  auto back = ReadSparseVectors(fs.get(), "/v.tcv", &keys);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(keys, (std::vector<uint64_t>{3, 7}));
  EXPECT_EQ(back->indptr, m.indptr);
  EXPECT_EQ(back->indices, m.indices);
  EXPECT_EQ(back->data, m.data);
}

TEST(SparseVectorsTest, KeyCountMismatchIsRefused) {
  auto fs = NewInMemoryFileSystem();
  EXPECT_EQ(WriteSparseVectors(fs.get(), "/v.tcv", {3}, TwoRows()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SparseVectorsTest, FlippedByteIsDataLossNamingTheFile) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_TRUE(WriteSparseVectors(fs.get(), "/v.tcv", {3, 7}, TwoRows()).ok());
  std::string bytes = *ReadFileToString(fs.get(), "/v.tcv");
  bytes[bytes.size() - 3] ^= 0x40;
  ASSERT_TRUE(WriteStringToFile(fs.get(), "/v.tcv", bytes).ok());
  const absl::Status s =
      ReadSparseVectors(fs.get(), "/v.tcv", nullptr).status();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/v.tcv"), std::string::npos) << s;
}

TEST(SegmentIoTest, AssignmentsRoundTripAndUnknownRfmCodeRefused) {
  auto fs = NewInMemoryFileSystem();
  SegmentAssignments a;
  a.user_keys = {1, 5};
  a.kmeans = {0, -1};
  a.rfm = {0, kRfmSegmentCodeCount - 1};
  a.kmeans_names = {"K0"};
  ASSERT_TRUE(WriteSegmentAssignments(fs.get(), "/a.tsa", a).ok());
  auto back = ReadSegmentAssignments(fs.get(), "/a.tsa");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->kmeans_names, a.kmeans_names);
  EXPECT_EQ(back->rfm, a.rfm);
  a.rfm[1] = kRfmSegmentCodeCount;
  ASSERT_TRUE(WriteSegmentAssignments(fs.get(), "/b.tsa", a).ok());
  EXPECT_EQ(ReadSegmentAssignments(fs.get(), "/b.tsa").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SegmentIoTest, ItemAffinityRoundTrip) {
  auto fs = NewInMemoryFileSystem();
  ItemAffinity a;
  a.segments = 2;
  a.items = 5;
  a.prior_events = 3;
  a.default_lift = {0.5f, 0.25f};
  a.lift = TwoRows();
  ASSERT_TRUE(WriteItemAffinity(fs.get(), "/x.tia", a, {1, 2, 3, 4, 5}).ok());
  std::vector<uint64_t> keys;
  auto back = ReadItemAffinity(fs.get(), "/x.tia", &keys);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_EQ(back->default_lift, a.default_lift);
  EXPECT_EQ(back->lift.data, a.lift.data);
  EXPECT_EQ(back->prior_events, 3);
}

TEST(StringTableTest, UnpackRefusesDecreasingOffsets) {
  const std::vector<uint64_t> offsets = {0, 3, 2, 4};
  const std::string bytes = "abcd";
  const auto span = absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  EXPECT_EQ(UnpackStrings(offsets, span, "t").status().code(),
            absl::StatusCode::kDataLoss);
  StringTable t;
  t.Add("ab");
  t.Add("");
  auto back = UnpackStrings(t.offsets, t.byte_span(), "t");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, (std::vector<std::string>{"ab", ""}));
}

}  // namespace
}  // namespace tailor
