#include "trainer/local/factor_scoring.h"

#include <vector>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(FactorScoringTest, MatchesHandComputedDotProductsWithStrideAndBias) {
  // Users (stride 3, 2 used columns): u0 = (1, 2), u1 = (0, -1).
  const std::vector<float> users = {1, 2, 99, 0, -1, 99};
  // Items: i0 = (3, 1), i1 = (-2, 4), i2 = (0, 0).
  const std::vector<float> items = {3, 1, -2, 4, 0, 0};
  const std::vector<float> bias = {0.5f, 0, -1};
  std::vector<float> scores(2 * 3);
  const std::vector<uint32_t> batch = {1, 0};
  TAILOR_ASSERT_OK(ScoreByFactors({users.data(), 2, 2, 3},
                                  {items.data(), 3, 2, 2}, bias, batch,
                                  absl::MakeSpan(scores)));
  // u1: (0*3 + -1*1) + 0.5 = -0.5; (0 + -4) = -4; 0 - 1 = -1.
  // u0: 3 + 2 + 0.5 = 5.5; -2 + 8 = 6; -1.
  EXPECT_THAT(scores, ::testing::ElementsAre(-0.5f, -4, -1, 5.5f, 6, -1));
}

TEST(FactorScoringTest, RejectsOutOfRangeUserAndBadShapes) {
  const std::vector<float> f = {1, 2};
  std::vector<float> scores(1);
  const std::vector<uint32_t> bad_user = {1};
  EXPECT_THAT(ScoreByFactors({f.data(), 1, 2, 2}, {f.data(), 1, 2, 2}, {},
                             bad_user, absl::MakeSpan(scores)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<uint32_t> user = {0};
  std::vector<float> too_small;
  EXPECT_THAT(ScoreByFactors({f.data(), 1, 2, 2}, {f.data(), 1, 2, 2}, {}, user,
                             absl::MakeSpan(too_small)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tailor
