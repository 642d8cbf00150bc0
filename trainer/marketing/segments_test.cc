#include "trainer/marketing/segments.h"

#include "gtest/gtest.h"
#include "trainer/marketing/test_fixture.h"

namespace tailor {
namespace {

TEST(ItemAffinityTest, SmoothedLiftByHand) {
  // Fixture events: u0 {i0, i0, i1}, u1 {i2}, u3 {i0, i2}.
  const MarketingFixture f = MakeMarketingFixture();
  const std::vector<int32_t> labels = {0, 1, -1, 1};
  const ItemAffinity a = ComputeItemAffinity(labels, 2, f.block.matrix, 2.0);
  // Totals: N = 6; c_i0 = 3, c_i1 = 1, c_i2 = 2; N_0 = 3, N_1 = 3.
  ASSERT_EQ(a.lift.RowSize(0), 2);
  const double p0 = 3.0 / 6, p1 = 1.0 / 6;
  EXPECT_NEAR(a.lift.data[0], ((2 + 2 * p0) / (3 + 2)) / p0, 1e-6);  // s0, i0
  EXPECT_NEAR(a.lift.data[1], ((1 + 2 * p1) / (3 + 2)) / p1, 1e-6);  // s0, i1
  EXPECT_NEAR(a.default_lift[0], 2.0 / 5, 1e-6);
  EXPECT_EQ(a.lift.RowSize(1), 2);  // s1 touched i0 and i2
}

TEST(ItemAffinityTest, HugePriorGivesLiftOne) {
  const MarketingFixture f = MakeMarketingFixture();
  const ItemAffinity a =
      ComputeItemAffinity({0, 1, -1, 1}, 2, f.block.matrix, 1e9);
  for (float v : a.lift.data) EXPECT_NEAR(v, 1.0, 1e-6);
}

TEST(DescribeSegmentsTest, SizesMeansAndTops) {
  const MarketingFixture f = MakeMarketingFixture();
  auto cats = ExtractItemCategories(f.items, "");
  ProfileSource s{&f.manifest, &f.users, &f.items, &f.block, &*cats};
  const UserProfiles p = *BuildProfiles(s, ProfileOptions());
  const auto d =
      DescribeSegments({0, 1, -1, 1}, {"a", "b"}, p, f.block.matrix, 5);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].size, 1);
  EXPECT_EQ(d[1].size, 2);
  EXPECT_DOUBLE_EQ(d[1].mean_monetary, (7.0 + 5.0) / 2);
  EXPECT_DOUBLE_EQ(d[0].share, 0.25);
  ASSERT_FALSE(d[0].top_items.empty());
  EXPECT_EQ(d[0].top_items[0], (std::pair<uint32_t, int64_t>{0, 2}));
  ASSERT_FALSE(d[0].top_categories.empty());
  EXPECT_EQ(d[0].top_categories[0].first, "B");
  EXPECT_NEAR(d[0].top_categories[0].second, 2.0 / 3, 1e-6);
}

}  // namespace
}  // namespace tailor
