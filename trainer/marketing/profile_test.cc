#include "trainer/marketing/profile.h"

#include <cmath>

#include "gtest/gtest.h"
#include "trainer/marketing/test_fixture.h"

namespace tailor {
namespace {

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    f_ = MakeMarketingFixture();
    auto cats = ExtractItemCategories(f_.items, "");
    ASSERT_TRUE(cats.ok());
    cats_ = *cats;
  }
  absl::StatusOr<UserProfiles> Build() {
    ProfileSource s{&f_.manifest, &f_.users, &f_.items, &f_.block, &cats_};
    return BuildProfiles(s, ProfileOptions());
  }
  MarketingFixture f_;
  ItemCategories cats_;
};

TEST_F(ProfileTest, RfmFromEventsAndAmounts) {
  auto p = Build();
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->events[0], 3);
  EXPECT_EQ(p->frequency[0], 2);  // two events share one timestamp
  EXPECT_DOUBLE_EQ(p->monetary[0], 10.0);
  EXPECT_DOUBLE_EQ(p->recency_days[0], 100.0 - 10.0 - 15.0 / 24.0);
  EXPECT_DOUBLE_EQ(p->tenure_days[0], 100.0 - 10.0 / 24.0);
  EXPECT_DOUBLE_EQ(p->recency_days[1], 0.0);
  EXPECT_EQ(p->events[2], 0);
  EXPECT_TRUE(std::isnan(p->recency_days[2]));
  EXPECT_TRUE(std::isnan(p->monetary[2]));
  EXPECT_EQ(p->r_score[2], 0);
  EXPECT_EQ(p->rfm_segment[2], RfmSegment::kUnscored);
  EXPECT_EQ(p->lifecycle[2], LifecycleStage::kNone);
  // Loyal threshold: max(2, 0.8 quantile of {1, 2, 2}) = 2.
  EXPECT_EQ(p->loyal_threshold, 2);
  EXPECT_EQ(p->lifecycle[0], LifecycleStage::kLoyal);  // 89.4 days ago
  EXPECT_EQ(p->lifecycle[1], LifecycleStage::kNew);
}

TEST_F(ProfileTest, InterestsSumToOneAndSplitMultiGenreEvents) {
  auto p = Build();
  ASSERT_TRUE(p.ok()) << p.status();
  // Categories: (none)=0, A=1, B=2. u0: i0 twice (A,B halves), i1 (B).
  ASSERT_EQ(p->interest_indptr[1], 2);
  EXPECT_EQ(p->interest_category[0], 1u);
  EXPECT_FLOAT_EQ(p->interest_share[0], 1.0f / 3);
  EXPECT_EQ(p->interest_category[1], 2u);
  EXPECT_FLOAT_EQ(p->interest_share[1], 2.0f / 3);
  for (int64_t u = 0; u < p->size(); ++u) {
    double sum = 0;
    for (int64_t k = p->interest_indptr[u]; k < p->interest_indptr[u + 1]; ++k)
      sum += p->interest_share[k];
    EXPECT_NEAR(sum, p->events[u] > 0 ? 1.0 : 0.0, 1e-6) << "user " << u;
  }
}

TEST_F(ProfileTest, TopItemsAndRhythm) {
  auto p = Build();
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->top_item_indptr[1], 2);
  EXPECT_EQ(p->top_item_key[0], 20u);
  EXPECT_EQ(p->top_item_events[0], 2u);
  EXPECT_EQ(p->top_item_key[1], 21u);
  EXPECT_EQ(p->hour_histogram[10], 2u);
  EXPECT_EQ(p->hour_histogram[15], 1u);
  EXPECT_EQ(p->dow_histogram[0], 2u);  // 2024-01-01 is a Monday
  EXPECT_EQ(p->dow_histogram[3], 1u);  // +10 days: Thursday
}

TEST_F(ProfileTest, NoAmountsMeansMonetaryAbsent) {
  f_.manifest.has_amounts = false;
  f_.block.amounts.clear();
  auto p = Build();
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->has_monetary);
  EXPECT_TRUE(std::isnan(p->monetary[0]));
  EXPECT_EQ(p->m_score[0], 0);
}

TEST_F(ProfileTest, NoTimestampsMeansUnknownStage) {
  f_.manifest.has_timestamps = false;
  f_.block.timestamps.clear();
  auto p = Build();
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->frequency[0], 3);  // events
  EXPECT_EQ(p->lifecycle[0], LifecycleStage::kUnknown);
  EXPECT_EQ(p->rfm_segment[0], RfmSegment::kUnscored);
}

TEST_F(ProfileTest, MismatchedBlockIsAnError) {
  f_.block.matrix.cols = 5;
  auto p = Build();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tailor
