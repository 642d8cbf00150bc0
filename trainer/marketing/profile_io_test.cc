#include "trainer/marketing/profile_io.h"

#include <cmath>

#include "gtest/gtest.h"
#include "trainer/marketing/test_fixture.h"

namespace tailor {
namespace {

UserProfiles Fixture(MarketingFixture* f) {
  *f = MakeMarketingFixture();
  auto cats = ExtractItemCategories(f->items, "");
  ProfileSource s{&f->manifest, &f->users, &f->items, &f->block, &*cats};
  return *BuildProfiles(s, ProfileOptions());
}

TEST(ProfileIoTest, RoundTrip) {
  MarketingFixture f;
  const UserProfiles p = Fixture(&f);
  auto fs = NewInMemoryFileSystem();
  ASSERT_TRUE(WriteProfiles(fs.get(), "/p.tpf", p).ok());
  auto back = ReadProfiles(fs.get(), "/p.tpf");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->keys, p.keys);
  EXPECT_EQ(back->external_ids, p.external_ids);
  EXPECT_EQ(back->demographics, p.demographics);
  EXPECT_EQ(back->category_names, p.category_names);
  EXPECT_EQ(back->category_source, "genres");
  EXPECT_EQ(back->frequency, p.frequency);
  EXPECT_EQ(back->monetary[0], 10.0);
  EXPECT_TRUE(std::isnan(back->monetary[2]));
  EXPECT_EQ(back->interest_share, p.interest_share);
  EXPECT_EQ(back->top_item_key, p.top_item_key);
  EXPECT_EQ(back->hour_histogram, p.hour_histogram);
  EXPECT_EQ(back->lifecycle, p.lifecycle);
  EXPECT_EQ(back->rfm_segment, p.rfm_segment);
  EXPECT_EQ(back->r_score, p.r_score);
}

TEST(ProfileIoTest, CorruptionIsDetected) {
  MarketingFixture f;
  const UserProfiles p = Fixture(&f);
  auto fs = NewInMemoryFileSystem();
  ASSERT_TRUE(WriteProfiles(fs.get(), "/p.tpf", p).ok());
  std::string bytes = *ReadFileToString(fs.get(), "/p.tpf");
  bytes[bytes.size() / 2] ^= 1;
  ASSERT_TRUE(WriteStringToFile(fs.get(), "/bad.tpf", bytes).ok());
  auto bad = ReadProfiles(fs.get(), "/bad.tpf");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("/bad.tpf"), std::string::npos);
}

TEST(ProfileIoTest, CsvHasHeaderAndOneLinePerUser) {
  MarketingFixture f;
  const UserProfiles p = Fixture(&f);
  const std::string csv = ProfilesToCsv(p, f.items);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "user_id,key,age,gender,events,frequency,distinct_items,"
            "first_event,last_event,recency_days,tenure_days,monetary,r_score,"
            "f_score,m_score,rfm_segment,lifecycle,interests,top_items,"
            "hour_histogram,dow_histogram");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  EXPECT_NE(csv.find("u0,000000000000000a,30,F,3,2,2,2024-01-01 10:00:00,"
                     "2024-01-11 15:00:00,89.3750,99.5833,10.0000"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("A:0.3333;B:0.6667,i0:2;i1:1"), std::string::npos);
}

}  // namespace
}  // namespace tailor
