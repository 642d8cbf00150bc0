// Round trips of the segment and content artifact files.
#include "gtest/gtest.h"
#include "trainer/marketing/content_io.h"
#include "trainer/marketing/segment_io.h"
#include "trainer/marketing/test_fixture.h"

namespace tailor {
namespace {

TEST(SegmentIoTest, AssignmentsRoundTripAndBadLabelsAreRefused) {
  auto fs = NewInMemoryFileSystem();
  SegmentAssignments a;
  a.user_keys = {1, 5, 9};
  a.kmeans = {0, -1, 1};
  a.rfm = {1, 0, 11};
  a.kmeans_names = {"K0: frequent", "K1: lapsed"};
  ASSERT_TRUE(WriteSegmentAssignments(fs.get(), "/a.tsa", a).ok());
  auto back = ReadSegmentAssignments(fs.get(), "/a.tsa");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->kmeans, a.kmeans);
  EXPECT_EQ(back->rfm, a.rfm);
  EXPECT_EQ(back->kmeans_names, a.kmeans_names);
  a.kmeans = {0, 2, 1};  // 2 has no name
  ASSERT_TRUE(WriteSegmentAssignments(fs.get(), "/b.tsa", a).ok());
  EXPECT_EQ(ReadSegmentAssignments(fs.get(), "/b.tsa").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SegmentIoTest, AffinityRoundTrip) {
  const MarketingFixture f = MakeMarketingFixture();
  const ItemAffinity a =
      ComputeItemAffinity({0, 1, -1, 1}, 2, f.block.matrix, 3);
  auto fs = NewInMemoryFileSystem();
  ASSERT_TRUE(WriteItemAffinity(fs.get(), "/x.tia", a, f.items.keys).ok());
  std::vector<uint64_t> keys;
  auto back = ReadItemAffinity(fs.get(), "/x.tia", &keys);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(keys, f.items.keys);
  EXPECT_EQ(back->lift.data, a.lift.data);
  EXPECT_EQ(back->default_lift, a.default_lift);
  EXPECT_EQ(back->prior_events, 3);
}

TEST(ContentIoTest, VectorsAndVocabularyRoundTrip) {
  auto r = FitTfidf({"red mug", "blue mug", ""}, {}, TfidfOptions());
  ASSERT_TRUE(r.ok());
  auto fs = NewInMemoryFileSystem();
  ASSERT_TRUE(
      WriteSparseVectors(fs.get(), "/v.tcv", {7, 8, 9}, r->vectors).ok());
  ASSERT_TRUE(WriteVocabulary(fs.get(), "/v.tvc", r->model).ok());
  std::vector<uint64_t> keys;
  auto v = ReadSparseVectors(fs.get(), "/v.tcv", &keys);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(keys, (std::vector<uint64_t>{7, 8, 9}));
  EXPECT_EQ(v->data, r->vectors.data);
  auto voc = ReadVocabulary(fs.get(), "/v.tvc");
  ASSERT_TRUE(voc.ok()) << voc.status();
  EXPECT_EQ(voc->terms, r->model.terms);
  EXPECT_EQ(voc->idf, r->model.idf);
  EXPECT_FALSE(WriteSparseVectors(fs.get(), "/w.tcv", {1}, r->vectors).ok());
}

}  // namespace
}  // namespace tailor
