#include "ranker/scoring/exclusion_set.h"

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

TEST(ExclusionSetTest, AddRemoveContainsAndBytes) {
  ExclusionSet set(20);
  EXPECT_EQ(set.num_items(), 20);
  EXPECT_EQ(set.size(), 0);
  set.Add(0);
  set.Add(9);
  set.Add(19);
  set.Add(9);  // twice counts once
  EXPECT_EQ(set.size(), 3);
  EXPECT_TRUE(set.Contains(0));
  EXPECT_TRUE(set.Contains(9));
  EXPECT_TRUE(set.Contains(19));
  EXPECT_FALSE(set.Contains(1));
  EXPECT_EQ(set.bytes()[0], 0x01);
  EXPECT_EQ(set.bytes()[1], 0x02);
  EXPECT_EQ(set.bytes()[2], 0x08);
  set.Remove(9);
  set.Remove(9);
  EXPECT_EQ(set.size(), 2);
  EXPECT_FALSE(set.Contains(9));
  set.AddAll({3, 4});
  EXPECT_EQ(set.size(), 4);
  set.Clear();
  EXPECT_EQ(set.size(), 0);
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(set.Contains(i));
}

TEST(ExclusionSetDeathTest, AddOutOfRangeIsAProgrammerError) {
  ExclusionSet set(5);
  EXPECT_DEATH(set.Add(5), "outside");
  EXPECT_DEATH(set.Add(-1), "outside");
}

}  // namespace
}  // namespace tailor::ranker
