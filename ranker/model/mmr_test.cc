#include "ranker/model/mmr.h"

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

// Items 0 and 1 are near duplicates; 2 differs.
float Sim(int64_t a, int64_t b) { return (a < 2 && b < 2) ? 0.95f : 0.0f; }

TEST(MmrTest, ZeroLambdaKeepsScoreOrder) {
  const std::vector<float> scores = {0.9f, 0.8f, 0.5f};
  EXPECT_EQ(MmrOrder(scores, Sim, 3, 0.0f), (std::vector<int64_t>{0, 1, 2}));
}

TEST(MmrTest, LambdaPushesNearDuplicatesDown) {
  const std::vector<float> scores = {0.9f, 0.8f, 0.5f};
  EXPECT_EQ(MmrOrder(scores, Sim, 3, 0.5f), (std::vector<int64_t>{0, 2, 1}));
  EXPECT_EQ(MmrOrder(scores, Sim, 5, 0.5f).size(), 3u);
  EXPECT_TRUE(MmrOrder({}, Sim, 5, 0.5f).empty());
}

}  // namespace
}  // namespace tailor::ranker
