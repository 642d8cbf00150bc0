#include "parameter_server/push_dedup.h"

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(PushDedupTest, RemembersPerWorker) {
  PushDedup d;
  d.Record(1, 10);
  EXPECT_TRUE(d.Contains(1, 10));
  EXPECT_FALSE(d.Contains(2, 10));
  EXPECT_FALSE(d.Contains(1, 11));
}

TEST(PushDedupTest, KeepsEverythingSinceThePreviousClockAdvance) {
  PushDedup d;
  for (uint64_t id = 1; id <= 3000; ++id) d.Record(7, id);  // clock 0
  EXPECT_EQ(d.Remembered(7), 3000u);
  d.OnClockAdvance(7, 1);  // previous advance: clock 0, keep clock-0 ids
  EXPECT_EQ(d.Remembered(7), 3000u);
  for (uint64_t id = 3001; id <= 3010; ++id) d.Record(7, id);  // clock 1
  d.OnClockAdvance(7, 2);  // ids before clock 1 may go, but keep >= 1024
  EXPECT_EQ(d.Remembered(7), PushDedup::kMinRemembered);
  EXPECT_TRUE(d.Contains(7, 3010));
  EXPECT_TRUE(d.Contains(7, 3010 - 1023));
  EXPECT_FALSE(d.Contains(7, 1));
}

TEST(PushDedupTest, ClearForgetsAll) {
  PushDedup d;
  d.Record(1, 1);
  d.Clear();
  EXPECT_FALSE(d.Contains(1, 1));
}

}  // namespace
}  // namespace tailor
