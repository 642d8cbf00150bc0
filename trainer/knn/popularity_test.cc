#include "trainer/knn/popularity.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::MakeCsr;

// Item 0: users 0, 1 at times 100, 0; item 1: user 0 at time 100 (value 5).
CsrMatrix Data(std::vector<int64_t>* times) {
  return MakeCsr(2, 3, {{0, 0, 1, 100}, {0, 1, 5, 100}, {1, 0, 1, 0}}, times);
}

TEST(PopularityTest, CountsAndValues) {
  std::vector<int64_t> times;
  const CsrMatrix m = Data(&times);
  auto model = PopularityModel::Train(m, {}, {});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->item_scores(), (std::vector<float>{2, 1, 0}));
  PopularityOptions options;
  options.use_values = true;
  model = PopularityModel::Train(m, {}, options);
  EXPECT_EQ((*model)->item_scores(), (std::vector<float>{2, 5, 0}));
}

// Half-life 100 s, reference = latest time 100: the entry at time 0 weighs
// 2^-1 -> item 0 = 1 + 0.5, item 1 = 1.
TEST(PopularityTest, TimeDecay) {
  std::vector<int64_t> times;
  const CsrMatrix m = Data(&times);
  PopularityOptions options;
  options.half_life_seconds = 100;
  auto model = PopularityModel::Train(m, times, options);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_FLOAT_EQ((*model)->item_scores()[0], 1.5f);
  EXPECT_FLOAT_EQ((*model)->item_scores()[1], 1.0f);
  EXPECT_FALSE(PopularityModel::Train(m, {}, options).ok());
}

TEST(PopularityTest, ScoresEveryUserAlike) {
  std::vector<int64_t> times;
  auto model = PopularityModel::Train(Data(&times), {}, {});
  const std::vector<uint32_t> users = {1, 0};
  std::vector<float> scores(6);
  ASSERT_TRUE((*model)->ScoreItems(users, absl::MakeSpan(scores)).ok());
  EXPECT_EQ(scores, (std::vector<float>{2, 1, 0, 2, 1, 0}));
  const std::vector<uint32_t> bad = {2};
  std::vector<float> one(3);
  EXPECT_FALSE((*model)->ScoreItems(bad, absl::MakeSpan(one)).ok());
}

}  // namespace
}  // namespace tailor
